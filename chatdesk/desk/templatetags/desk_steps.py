"""Workflow-step and survey panels for the ticket pages.

    {% load desk_steps %}
    {% request_steps_panel ticket %}     on /track/<code>/ (done, current and ahead; units only)
    {% service_survey_panel ticket %}    on /track/<code>/ (after the request is resolved)
    {% request_steps_console ticket %}   on /console/tickets/<id>/ (complete the current step)

Each renders nothing for a ticket without steps or survey.
"""

from django import template

from chatdesk.desk import steps, survey

register = template.Library()


@register.inclusion_tag("desk/steps/citizen_panel.html", takes_context=True)
def request_steps_panel(context, ticket):
    return {"steps": steps.request_steps_for_citizen(ticket) if ticket is not None else []}


@register.inclusion_tag("desk/steps/survey_panel.html", takes_context=True)
def service_survey_panel(context, ticket, action=""):
    """``action``: where the form posts (the tracking page's session: ``/survey/<code>/``; the
    emailed rating link: ``/survey/<code>/<token>/``)."""
    state = survey.survey_for_ticket(ticket) if ticket is not None else None
    return {"ticket": ticket, "survey": state, "csrf_token": context.get("csrf_token"), "scores": range(5, 0, -1),
            "action": action or (f"/survey/{ticket.code}/" if ticket is not None else "")}


@register.inclusion_tag("desk/steps/console_panel.html", takes_context=True)
def request_steps_console(context, ticket):
    return {
        "ticket": ticket, "steps": steps.request_steps_for_citizen(ticket) if ticket is not None else [],
        "current": steps.current_step(ticket) if ticket is not None else None, "csrf_token": context.get("csrf_token"),
    }
