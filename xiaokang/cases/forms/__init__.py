"""Forms of the cases pages: applications.py (the queue, a new application, a transition), work.py
(rosters, outreach and review tasks, temporary assistance). They check the input's shape only."""
