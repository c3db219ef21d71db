/* SPDX-License-Identifier: GPL-2.0 */
/* naptctl wan set | show | del: the WAN interface and its address. */
#ifndef NAPTCTL_WAN_H
#define NAPTCTL_WAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>

#include "json.h"

struct napt_wan {
	bool enabled;			/* NAPT is on */
	char ifname[IFNAMSIZ];
	bool has_addr;
	struct in_addr addr;		/* fixed (set) or effective (reply) */
	bool addr_fixed;		/* reply only */
	uint32_t ifindex;		/* reply only; 0: interface missing */
};

/* The words after "wan set": dev IFNAME [addr A.B.C.D]. */
int wan_parse_set(int argc, char **argv, struct napt_wan *wan);
/* NAPT_A_WAN_IFNAME and, if fixed, NAPT_A_WAN_ADDR (WAN_SET, RESTORE). */
void wan_put(struct nlmsghdr *nlh, const struct napt_wan *wan);
/* From a CONFIG_GET reply's attributes (tb sized NAPT_A_MAX + 1). */
int wan_from_attrs(const struct nlattr **tb, struct napt_wan *wan);

/* "wan dev eth1 addr 200.200.200.200 (follows interface)", "wan off". */
void wan_print(FILE *out, const struct napt_wan *wan);
void wan_json(struct json_writer *w, const struct napt_wan *wan);

void wan_usage(FILE *out);
int do_wan(int argc, char **argv);

#endif /* NAPTCTL_WAN_H */
