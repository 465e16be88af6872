"""
Content in several languages: what organisers write (session titles and
abstracts, track and room names, speakers' bios, the conference's own texts)
in each of a conference's content languages.

Stored with django-i18nfield, as pretix stores event content: one text
column holding JSON, {"en": "...", "ja": "..."}. A plain string (a row
written before, or by code that does not care) still reads as the same text
in every language. Two differences from the library's own fields:

- The JSON keeps Japanese as typed (no \\uXXXX escapes), so a database
  search (`icontains`) on the column finds a word in any language.
- A missing language falls back to the conference's default content
  language (`content_fallback`), then to the site's, then to any text.

Snapshots of the published agenda keep the same shape (a dict per text, see
`content_data`), and are read back in the viewer's language with
`content_text`.
"""

import contextlib
import json
from contextvars import ContextVar

from django.conf import settings
from django.db.models.query_utils import DeferredAttribute
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from i18nfield.fields import I18nCharField, I18nTextField
from i18nfield.forms import I18nFormField, I18nTextarea, I18nTextInput, I18nWidget
from i18nfield.strings import LazyI18nString

# The default content language of the conference being shown (set with the
# conference of a request, an email or a document; None: the site's).
_fallback = ContextVar("content_fallback", default=None)


def content_fallback_set(language):
    """Make `language` the fallback of content texts from now on in this context."""
    _fallback.set(language or None)


@contextlib.contextmanager
def content_fallback(conference):
    """Within the block, texts missing a language fall back to `conference`'s default."""
    token = _fallback.set(getattr(conference, "default_content_language", None) or None)
    try:
        yield
    finally:
        _fallback.reset(token)


def _chosen(data, language, fallback=None):
    """(language code, text) of `data` (a dict per language) shown for `language`."""
    language = language or settings.LANGUAGE_CODE
    chain = [
        language,
        language.split("-")[0],
        fallback or _fallback.get(),
        settings.LANGUAGE_CODE,
    ]
    for code in chain:
        if code and data.get(code):
            return code, data[code]
    return next(((code, text) for code, text in data.items() if text), (None, ""))


def _localize(data, language, fallback=None):
    """The text of `data` (a dict per language, or one string) in `language`, with fallbacks."""
    if data is None:
        return ""
    if not isinstance(data, dict):
        return str(data)
    return _chosen(data, language, fallback)[1]


def content_language(value, language=None):
    """
    The language `value` is shown in for `language` (default: active): the
    one its text comes from; for a plain string, the fallback's (unknown).
    """
    data = content_data(value)
    fallback = _fallback.get() or settings.LANGUAGE_CODE
    if not isinstance(data, dict):
        return fallback
    return _chosen(data, language or translation.get_language())[0] or fallback


class ContentText(LazyI18nString):
    """A text in several languages, shown in the active one (see the module docstring)."""

    def __str__(self):
        return self.localize(translation.get_language())

    def localize(self, lng, fallback=None):
        return _localize(self.data, lng, fallback)

    def __eq__(self, other):
        # Compared with a string (a test, a lookup by name), the text shown.
        if isinstance(other, str):
            return str(self) == other
        if isinstance(other, LazyI18nString):
            return content_data(self) == content_data(other)
        return super().__eq__(other)

    def __hash__(self):
        return hash(str(self))


def content_data(value):
    """
    What to store of `value` in JSON (a snapshot, an API payload): a dict per
    language, or the plain string it was given.
    """
    if isinstance(value, LazyI18nString):
        value = value.data
    if isinstance(value, dict):
        return {code: text for code, text in value.items() if text}
    return "" if value is None else str(value)


def content_text(value, language=None, fallback=None):
    """`value` (a ContentText, a dict per language or a string) in `language` (default: active)."""
    if isinstance(value, LazyI18nString):
        value = value.data
    return _localize(value, language or translation.get_language(), fallback)


def content_data_values(value):
    """The non-empty texts of `value`, one per language."""
    data = content_data(value)
    if isinstance(data, dict):
        return list(data.values())
    return [data] if data else []


def content_all(value):
    """Every language's text of `value`, joined: what a search looks in."""
    data = content_data(value)
    if isinstance(data, dict):
        return " ".join(dict.fromkeys(data.values()))
    return data


def content_same(a, b):
    """
    Whether two stored texts say the same: a plain string (a snapshot taken
    before texts had languages) equals a dict holding only that string.
    """
    a, b = content_data(a), content_data(b)
    if isinstance(a, dict) != isinstance(b, dict):
        text, data = (a, b) if isinstance(b, dict) else (b, a)
        return set(data.values()) <= {text} and (bool(data) or not text)
    return a == b


def content_missing(value, languages):
    """
    Which of `languages` have no text in `value` (nothing when it is empty in
    all of them: an optional text left out is not a missing translation).
    A plain string counts as written in the first of `languages`.
    """
    data = content_data(value)
    if not data:
        return []
    if not isinstance(data, dict):
        return list(languages[1:])
    return [code for code in languages if not data.get(code)]


def content_language_names(conference):
    """The names of `conference`'s content languages, the default first."""
    names = dict(settings.LANGUAGES)
    return [str(names.get(code, code)) for code in conference.content_locales]


def missing_language_names(obj, languages):
    """The names of `languages` that any of `obj`'s texts in several languages lacks."""
    missing = set()
    for name in translated_fields(obj):
        missing.update(content_missing(getattr(obj, name), languages))
    names = dict(settings.LANGUAGES)
    return [str(names.get(code, code)) for code in languages if code in missing]


def translated_fields(obj):
    """The names of `obj`'s fields written in several languages."""
    return [f.name for f in obj._meta.fields if isinstance(f, _ContentFieldMixin)]


def _dumps(value):
    return json.dumps({k: v for k, v in value.items() if v}, sort_keys=True, ensure_ascii=False)


class _ContentDescriptor(DeferredAttribute):
    """
    A dict per language assigned reads back as a ContentText, so
    `str(session.title)` is the viewer's text even before the row is saved
    and read again. A plain string stays one (the same in every language).
    """

    def __set__(self, instance, value):
        if isinstance(value, dict) or (
            isinstance(value, LazyI18nString) and not isinstance(value, ContentText)
        ):
            value = ContentText(value.data if isinstance(value, LazyI18nString) else value)
        instance.__dict__[self.field.attname] = value


class _ContentFieldMixin:
    descriptor_class = _ContentDescriptor

    def to_python(self, value):
        if value is None or isinstance(value, ContentText):
            return value
        if isinstance(value, LazyI18nString):
            return ContentText(value.data)
        return ContentText(value)

    def from_db_value(self, value, expression, connection):
        return ContentText(value)

    def get_prep_value(self, value):
        if isinstance(value, LazyI18nString):
            value = value.data
        if isinstance(value, dict):
            return _dumps(value)
        return value

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", ContentFormField)
        return super().formfield(**kwargs)


def _widget(kwargs, default):
    """
    The widget class of a content field's form field: one input per language,
    whatever a caller (the admin's TextField default) asks for instead.
    """
    widget = kwargs.get("widget")
    if not (isinstance(widget, type) and issubclass(widget, I18nWidget)):
        kwargs["widget"] = default
    return kwargs


class ContentCharField(_ContentFieldMixin, I18nCharField):
    """A one-line text in each content language (a text column of JSON)."""

    def formfield(self, **kwargs):
        return super().formfield(**_widget(kwargs, ContentTextInput))


class ContentTextField(_ContentFieldMixin, I18nTextField):
    """A longer text in each content language (a text column of JSON)."""

    def formfield(self, **kwargs):
        return super().formfield(**_widget(kwargs, ContentTextarea))


class _SideBySide:
    """
    The languages' inputs side by side, each under its language's name. The
    first shown (the conference's default language) keeps the field's own
    name and id as well: a form posted with a plain `title` still works (the
    text in that language), and the field's label points at it.
    """

    def _first_shown(self):
        return next(i for i, code in enumerate(self.locales) if code in self.enabled_locales)

    def value_from_datadict(self, data, files, name):
        suffixed = [f"{name}_{i}" for i in range(len(self.widgets))]
        if name in data and not any(key in data for key in suffixed):
            first = self._first_shown()
            return [data.get(name) if i == first else None for i in range(len(self.widgets))]
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)

    def id_for_label(self, id_):
        return id_

    def render(self, name, value, attrs=None, renderer=None):
        # The library's render forgets the widget's own attrs (a form's CSS class).
        attrs = {**self.attrs, **(attrs or {})}
        html = super().render(name, value, attrs, renderer)
        id_ = (attrs or {}).get("id")
        if id_:
            html = html.replace(f'id="{id_}_{self._first_shown()}"', f'id="{id_}"', 1)
        return mark_safe(html)  # noqa: S308 (only an id, known to be safe, is replaced)

    def format_output(self, rendered_widgets, id_):
        shown = [code for code in self.locales if code in self.enabled_locales]
        names = dict(settings.LANGUAGES)
        columns = "".join(
            f'<div class="col-md"><span class="badge text-bg-light border mb-1" lang="{code}">'
            f"{escape(names.get(code, code))}</span>{widget}</div>"
            for code, widget in zip(shown, rendered_widgets, strict=False)
        )
        # Each widget is rendered (escaped) by Django; the names and id are escaped here.
        return mark_safe(  # noqa: S308
            f'<div class="row g-2 content-languages" id="{escape(id_ or "")}_languages">'
            f"{columns}</div>"
        )


class ContentTextInput(_SideBySide, I18nTextInput):
    pass


class ContentTextarea(_SideBySide, I18nTextarea):
    def __init__(self, locales, field, attrs=None):
        attrs = {"rows": 3, **(attrs or {})}
        super().__init__(locales, field, attrs)


class ContentFormField(I18nFormField):
    """One input per content language; required means: in at least one."""

    def compress(self, data_list):
        return ContentText(
            {code: value for code, value in zip(self.locales, data_list, strict=False) if value}
        )


class ContentFormMixin:
    """
    A form whose text fields in several languages show `conference`'s
    content languages only (keyword argument `conference`, or the instance's).
    """

    def content_languages_apply(self, conference):
        languages = conference.content_locales if conference else None
        if not languages:
            return
        for field in self.fields.values():
            if isinstance(field, I18nFormField):
                field.widget.enabled_locales = languages


__all__ = [
    "ContentCharField",
    "ContentFormField",
    "ContentFormMixin",
    "ContentText",
    "ContentTextField",
    "ContentTextInput",
    "ContentTextarea",
    "content_all",
    "content_data",
    "content_data_values",
    "content_fallback",
    "content_fallback_set",
    "content_language",
    "content_language_names",
    "content_missing",
    "content_same",
    "content_text",
    "missing_language_names",
    "translated_fields",
]
