"""
The organisers' page of custom registration questions
(`manage/questions/`): list, add, edit, reorder, retire or ask again, and
delete while unanswered.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import QuestionForm
from conference.core.errors import shown_to_user
from conference.core.models import Role
from conference.core.permissions import conference_view


def _page(request, access, *, form, question=None, status=200):
    context = {
        "conference": access.conference,
        "questions": selectors.question_list(conference=access.conference),
        "form": form,
        "question": question,
        "answered": question is not None and question.answers.exists(),
    }
    return render(request, "accounts/manage_questions.html", context, status=status)


@require_http_methods(["GET", "POST"])
@conference_view(Role.ORGANISER)
def questions(request, access):
    """The questions in form order, and the form that adds one."""
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with shown_to_user(request) as outcome:
            question = services.question_create(
                conference=access.conference, actor=request.user, **form.service_kwargs()
            )
        if outcome.ok:
            messages.success(request, _("Question added: %(label)s") % {"label": question})
            return redirect("accounts:questions", access.conference.slug)
    return _page(request, access, form=form)


@require_http_methods(["GET", "POST"])
@conference_view(Role.ORGANISER)
def question_edit(request, access, question_id):
    question = selectors.question_get(conference=access.conference, question_id=question_id)
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(question=question, actor=request.user, **form.service_kwargs())
        except services.QuestionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Question saved."))
            return redirect("accounts:questions", access.conference.slug)
        # The failed save left the instance with the posted values: show the stored ones.
        question.refresh_from_db()
    return _page(request, access, form=form, question=question)


@require_POST
@conference_view(Role.ORGANISER)
def question_move(request, access, question_id):
    question = selectors.question_get(conference=access.conference, question_id=question_id)
    direction = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if direction is None:
        messages.error(request, _("Unknown action."))
    else:
        services.question_move(question=question, actor=request.user, direction=direction)
    return redirect("accounts:questions", access.conference.slug)


@require_POST
@conference_view(Role.ORGANISER)
def question_active(request, access, question_id):
    """Retire the question (no longer asked, answers kept) or ask it again."""
    question = selectors.question_get(conference=access.conference, question_id=question_id)
    active = request.POST.get("active") == "1"
    services.question_set_active(question=question, actor=request.user, active=active)
    if active:
        messages.success(request, _("The question is asked again."))
    else:
        messages.success(request, _("The question is retired; its answers are kept."))
    return redirect("accounts:questions", access.conference.slug)


@require_POST
@conference_view(Role.ORGANISER)
def question_delete(request, access, question_id):
    question = selectors.question_get(conference=access.conference, question_id=question_id)
    with shown_to_user(request) as outcome:
        services.question_delete(question=question, actor=request.user)
    if outcome.ok:
        messages.success(request, _("Question deleted."))
    return redirect("accounts:questions", access.conference.slug)
