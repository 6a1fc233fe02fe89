from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xiaokang.accounts"
    label = "accounts"
    verbose_name = "Accounts"
