from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "between.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from between.accounts import signals  # noqa: F401  (connects sign-in auditing)
