/*
 * sender_group.c — the sender's group for the policy (sender_group.h).
 */
#include <stdio.h>

#include "config/conf.h"
#include "quarantine/sender_group.h"
#include "register/register.h"

void sender_group_slots(const struct conf *cf, const struct scan_result *r, long *counters,
    char *err, size_t errlen)
{
	char loc[4096], group[256] = "";
	bool wanted = false;
	struct reg *rg;

	err[0] = '\0';
	for (size_t i = 0; cf && i < cf->npreds; i++)
		wanted |= cf->preds[i].kind == PRED_SENDER_GROUP;
	if (wanted && r->sender && *r->sender) {
		conf_register_location(cf, loc, sizeof(loc));
		if ((rg = reg_connect(loc, conf_register_password_file(cf), REG_RO, err, errlen))) {
			if (reg_group_of(rg, r->sender, group, sizeof(group), err, errlen) != 0)
				group[0] = '\0';
			reg_close(rg);
		}
	}
	conf_policy_slots(cf, r, group[0] ? group : NULL, counters);
}
