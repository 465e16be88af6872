"""
Organisers' email wordings, fuzzed: whatever is typed as subject and text,
the check either refuses it or the rendering works; an accepted subject is
one line whatever the values, and no value becomes live HTML.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from conference.core import email_templates
from conference.core.email_templates import Wording, wording_problems, wording_render

HOSTILE = "{}{{}}.[]!:<>&\"'\r\n\u2028 "
KIND = email_templates.kind_get("invitation")
NAMES = [p.name for p in KIND.placeholders]
pieces = st.one_of(
    st.sampled_from(["{" + name + "}" for name in NAMES]),
    st.text(alphabet=st.one_of(st.sampled_from(HOSTILE), st.characters(codec="utf-8")), max_size=8),
)
wordings = st.lists(pieces, max_size=12).map("".join)
values = st.text(
    alphabet=st.one_of(st.sampled_from("<>&\"'\r\n"), st.characters(codec="utf-8")), max_size=20
)


@settings(max_examples=300, deadline=None)
@given(subject=wordings, body=wordings, value=values)
def test_a_wording_is_refused_or_renders_safely(subject, body, value):
    problems = wording_problems(KIND, subject, subject=True) + wording_problems(KIND, body)
    if problems:
        assert problems[-1].startswith("Allowed placeholders:")
        return

    class Filled(type(KIND)):
        def values(self, context, names):
            return dict.fromkeys(names, "<script>" + value)

    kind = Filled(KIND.key, KIND.label, KIND.template, KIND.placeholders, KIND.samples)
    rendered_subject, text, html = wording_render(kind, Wording(KIND.key, subject, body), {})

    assert "\n" not in rendered_subject and "\r" not in rendered_subject
    assert "<script" not in html
    assert text == body.format_map(dict.fromkeys(NAMES, "<script>" + value))
