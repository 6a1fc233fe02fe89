"""Staff and public pages of the employment app (E1), one module per concern, mounted by
``employment.apps`` (``url_mounts``): ``employers`` (/staff/employers/), ``declarations`` (the list, one
declaration and its decisions), ``declaration_entry`` (recording and correcting a declaration),
``declaration_conflicts`` (persons listed by two employers) under /staff/declarations/, and
``disclosure`` (the public disclosure and member units). Views parse, call one selector or service, and
render (ARCHITECTURE rule 1)."""
