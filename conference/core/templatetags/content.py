"""
Content in several languages in templates: `{{ text|content }}` shows a
stored text in the viewer's language; `{% missing_translations obj conference %}`
names the conference's content languages that one of `obj`'s texts lacks.
"""

from django import template

from conference.core.content import content_text, missing_language_names

register = template.Library()


@register.filter
def content(value):
    """A ContentText, a snapshot's dict per language or a plain string, in the active language."""
    return content_text(value)


@register.simple_tag
def missing_translations(obj, conference):
    """The names of `conference`'s content languages missing from any text of `obj`."""
    return missing_language_names(obj, conference.content_locales)
