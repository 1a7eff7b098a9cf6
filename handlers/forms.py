"""One typed reader per modal: Slack's view state, read once into a pydantic model.

Every element type is read the same way (`values`); each form says what it needs and what to say
when a field is wrong. A wrong field becomes InvalidRequest with that field named, so the modal shows
the message under the field and nothing changes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from bot.cases.requests import ClientRequest, OffboardRequest
from bot.errors import InvalidRequest

NOTES_MAX = 2000
AUTO_REPLY_MAX = 1000


def element_value(element: dict[str, Any]) -> Any:
    """What the person chose in one input element, whatever its type."""
    kind = element.get("type")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind in ("static_select", "radio_buttons", "external_select"):
        return (element.get("selected_option") or {}).get("value")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "checkboxes":
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "file_input":
        return element.get("files") or []
    return element.get("value")


def values(view: dict[str, Any]) -> dict[str, Any]:
    """{block_id: value} of a submitted view (each input block holds one element)."""
    state = (view.get("state") or {}).get("values") or {}
    found: dict[str, Any] = {}
    for block_id, elements in state.items():
        if isinstance(elements, dict):
            for element in elements.values():
                if isinstance(element, dict):
                    found[block_id] = element_value(element)
    return found


# A date as the date picker sends it (YYYY-MM-DD): pydantic alone would also take "0" as 1970-01-01.
IsoDate = Annotated[date, BeforeValidator(lambda v: date.fromisoformat(v) if isinstance(v, str) else v)]
# Free text is clipped, never refused: a long note is kept up to its limit.
Notes = Annotated[str, BeforeValidator(lambda value: str(value or "")[:NOTES_MAX])]


class Form(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    # field -> what the person reads when that field is wrong
    messages: ClassVar[dict[str, str]] = {}

    @classmethod
    def read(cls, view: dict[str, Any]) -> Self:
        try:
            # An empty answer is no answer: the field keeps its default.
            return cls.model_validate({k: v for k, v in values(view).items() if v not in (None, "")})
        except ValidationError as e:
            fields: dict[str, str] = {}
            for error in e.errors():
                field = str(error["loc"][0]) if error["loc"] else "form"
                fields.setdefault(field, cls.messages.get(field, "Please check this field."))
            raise InvalidRequest("Please fix the highlighted fields.", fields) from None


class OffboardForm(Form):
    messages: ClassVar[dict[str, str]] = {
        "last_day": "Pick a date from the calendar.",
    }
    last_day: IsoDate | None = None
    reason: str = "voluntary"  # checked by the domain, with the other fields
    template: str = ""
    mailbox: str = "none"
    mailbox_delegate: str | None = None
    phone: str = "none"
    phone_forward_to: str | None = None
    backup_data: bool = False
    mail_forward_to: str | None = None
    auto_reply: Annotated[str, BeforeValidator(lambda value: str(value or "")[:AUTO_REPLY_MAX])] = ""
    notes: Notes = ""

    @field_validator("backup_data", mode="before")
    @classmethod
    def _yes(cls, value: Any) -> bool:
        return value == "yes" or value is True

    def request(self, subject_id: str, actor: str) -> OffboardRequest:
        return OffboardRequest(
            subject_id=subject_id,
            requested_by=actor,
            **self.model_dump(),
        )


class ClientForm(Form):
    messages: ClassVar[dict[str, str]] = {"last_day": "Pick a date from the calendar."}
    client_name: str = ""
    account_owner: str = ""
    last_day: IsoDate | None = None
    template: str = "client"
    notes: Notes = ""

    def request(self, actor: str) -> ClientRequest:
        return ClientRequest(requested_by=actor, **self.model_dump())


class ChangeDayForm(Form):
    messages: ClassVar[dict[str, str]] = {"last_day": "Pick a date from the calendar."}
    last_day: IsoDate


class CancelForm(Form):
    messages: ClassVar[dict[str, str]] = {"reason": "Say why, in a few words."}
    reason: str = Field(min_length=3)


class AcceptForm(Form):
    messages: ClassVar[dict[str, str]] = {"reason": "Write why this remainder is acceptable."}
    reason: str = Field(min_length=10)


class BulkForm(Form):
    messages: ClassVar[dict[str, str]] = {"csv_text": "Paste the CSV here, or upload a file below."}
    csv_text: str = ""
    csv_file: list[dict[str, Any]] = []

    @classmethod
    def read(cls, view: dict[str, Any]) -> Self:
        form = super().read(view)
        if not form.csv_text and not form.csv_file:
            raise InvalidRequest("Nothing to check.", {"csv_text": cls.messages["csv_text"]})
        return form
