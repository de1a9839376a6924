"""One read-only rule for the admin pages that only show what the services wrote (tickets, the
mail and SMS outboxes): every change goes through the services, never through a form here."""


class ReadOnlyAdmin:
    """Mixed into a ModelAdmin or an inline: nothing is added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
