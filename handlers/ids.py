"""Action ids, callback ids and block ids shared by the renderers and the listeners."""

OFFBOARD_FORM = "offboard_form"
ITEM_DONE = "item_done"
CASE_MENU = "case_menu"

# Form blocks: the block_id of each input is the domain field name, so errors map one to one.
FORM_FIELDS = (
    "last_day",
    "reason",
    "template",
    "mailbox",
    "mailbox_delegate",
    "phone",
    "phone_forward_to",
    "backup_data",
    "mail_forward_to",
    "auto_reply",
    "notes",
)


def item_value(case_id: int, key: str) -> str:
    return f"{case_id}|{key}"


def parse_item_value(value: str) -> tuple[int, str]:
    case_id, _, key = value.partition("|")
    return int(case_id), key


REVOKE_STEP = "revoke_step"
REVOKE_RETRY = "revoke_retry"
REVOKE_ALL = "revoke_all"
REVOKE_PREVIEW = "revoke_preview"

OFFBOARD_CONFIRM = "offboard_confirm"
CHANGE_DAY = "change_last_day"
CHANGE_DAY_FORM = "change_last_day_form"
CANCEL_CASE = "cancel_case"
CANCEL_FORM = "cancel_case_form"

REFRESH_INVENTORY = "refresh_inventory"
ACCEPT_REMAINDER = "accept_remainder"
ACCEPT_FORM = "accept_remainder_form"

CLIENT_FORM = "offboard_client_form"

BULK_FORM = "bulk_form"
BULK_CONFIRM = "bulk_confirm"
