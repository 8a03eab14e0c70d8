/*
 * incident.c — build an incident from a scan result and a verdict, and
 * print one as JSON (see incident.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "detectors/result_json.h"
#include "quarantine/incident.h"

void incident_format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

/* strdup that keeps NULL; *oom set when a copy fails. */
static char *dup_or_null(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = 1;
	return d;
}

/* [{name, action, reason, advice}] for every rule that fired, the
 * placeholders of reason and advice filled from the message's counters
 * and its dictionaries' and patterns' (policy_fill_result). */
static json_t *rules_json(const struct verdict *v, const long counters[SC_COUNT],
    const struct scan_result *r)
{
	json_t *a = json_array(), *o;

	for (size_t i = 0; a && v && i < v->nfired; i++) {
		const struct conf_rule *cr = v->fired[i];
		char *reason = policy_fill_result(cr->reason, cr->when, counters, r);
		char *advice = cr->advice ? policy_fill_result(cr->advice, cr->when, counters, r) :
		    NULL;

		o = reason && (advice || !cr->advice) ? json_pack("{s:s, s:s, s:s, s:s?}", "name",
		    cr->name, "action", action_name(cr->action), "reason", reason, "advice", advice) :
		    NULL;
		if (o && cr->action == ACT_APPROVE && cr->approvals > 0)
			json_object_set_new(o, "approvals", json_integer(cr->approvals));
		free(reason);
		free(advice);
		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int incident_approvals(const struct incident *inc, int dflt)
{
	size_t i;
	json_t *o;
	int n = 0;

	json_array_foreach(inc ? inc->rules : NULL, i, o) {
		json_t *a = json_object_get(o, "approvals");
		const char *act = json_string_value(json_object_get(o, "action"));

		if (act && strcmp(act, "approve") == 0 && json_is_integer(a) &&
		    json_integer_value(a) > n)
			n = (int)json_integer_value(a);
	}
	return n > 0 ? (n > 2 ? 2 : n) : dflt;
}

void incident_set_approvals(struct incident *inc, int dflt)
{
	size_t i;
	json_t *o;

	json_array_foreach(inc ? inc->rules : NULL, i, o) {
		const char *act = json_string_value(json_object_get(o, "action"));

		if (act && strcmp(act, "approve") == 0 && !json_object_get(o, "approvals"))
			json_object_set_new(o, "approvals", json_integer(dflt));
	}
}

static json_t *rcpt_json(const struct scan_rcpts *rc)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < rc->n_envelope; i++) {
		if (json_array_append_new(a, json_string(rc->envelope[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int incident_from_scan(struct incident *inc, const struct scan_result *r,
    const struct verdict *v, const char *queue_id, enum action act, time_t now,
    char *err, size_t errlen)
{
	long counters[SC_COUNT];
	int oom = 0;

	memset(inc, 0, sizeof(*inc));
	if (act != ACT_HOLD && act != ACT_APPROVE && act != ACT_DELAY && act != ACT_REJECT) {
		snprintf(err, errlen, "incident: action %s is neither hold, approve, delay nor reject",
		    action_name(act));
		return -1;
	}
	reg_new_id(inc->id, now);
	inc->created = now;
	inc->updated = now;
	inc->queue_id = dup_or_null(queue_id, &oom);
	inc->message_id = dup_or_null(r->message_id, &oom);
	inc->sender = dup_or_null(r->sender ? r->sender : "", &oom);
	inc->subject = dup_or_null(r->subject, &oom);
	inc->recipients = r->rcpt.recipients;
	inc->external = r->rcpt.external;
	inc->external_visible = r->rcpt.external_visible;
	inc->external_domains = r->rcpt.external_domains;
	inc->rcpt = rcpt_json(&r->rcpt);
	scan_result_counters(r, counters);
	inc->rules = rules_json(v, counters, r);
	inc->findings = result_json_findings_samples(r, INCIDENT_SAMPLES);
	inc->parts = result_json_parts(r);
	inc->action = dup_or_null(action_name(act), &oom);
	inc->status = dup_or_null(act == ACT_REJECT ? "rejected" : act == ACT_DELAY ? "delayed" :
	    "held", &oom);
	if (act == ACT_DELAY)
		inc->due = now + (v->delay > 0 ? v->delay : RULE_DELAY_DEFAULT);
	if (oom || !inc->rcpt || !inc->rules || !inc->findings || !inc->parts) {
		incident_clear(inc);
		snprintf(err, errlen, "incident: out of memory");
		return -1;
	}
	return 0;
}

json_t *incident_json(const struct incident *inc)
{
	char created[40], updated[40], due[40];
	json_t *j;

	incident_format_time(inc->created, created, sizeof(created));
	incident_format_time(inc->updated, updated, sizeof(updated));
	j = json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?,"
	    " s:{s:I, s:I, s:I, s:I}, s:O?, s:O?, s:O?, s:O?, s:s, s:I, s:s?}",
	    "id", inc->id,
	    "created", created,
	    "created_epoch", (json_int_t)inc->created,
	    "queue_id", inc->queue_id,
	    "message_id", inc->message_id,
	    "sender", inc->sender,
	    "subject", inc->subject,
	    "action", inc->action,
	    "status", inc->status,
	    "recipients",
	    "recipients", (json_int_t)inc->recipients,
	    "external", (json_int_t)inc->external,
	    "external_visible", (json_int_t)inc->external_visible,
	    "external_domains", (json_int_t)inc->external_domains,
	    "rcpt", inc->rcpt,
	    "rules", inc->rules,
	    "findings", inc->findings,
	    "parts", inc->parts,
	    "updated", updated,
	    "updated_epoch", (json_int_t)inc->updated,
	    "updated_by", inc->updated_by);
	if (j && inc->due) {	/* a delay: when it is (or was) sent by itself */
		incident_format_time(inc->due, due, sizeof(due));
		json_object_set_new(j, "due", json_string(due));
		json_object_set_new(j, "due_epoch", json_integer((json_int_t)inc->due));
	}
	return j;
}
