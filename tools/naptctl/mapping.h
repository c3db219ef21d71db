/* SPDX-License-Identifier: GPL-2.0 */
/* naptctl mapping list | flush: the dynamic mappings. */
#ifndef NAPTCTL_MAPPING_H
#define NAPTCTL_MAPPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>

#include "json.h"
#include "nl.h"

struct napt_mapping {
	uint8_t proto;
	struct in_addr int_addr;
	struct in_addr ext_addr;
	bool has_ports;			/* not for address-only protocols */
	uint16_t int_port;
	uint16_t ext_port;
	bool has_remote;		/* address-only protocols */
	struct in_addr rem_addr;
	uint32_t sessions;
	uint64_t expires_ms;
};

struct mapping_list {
	struct napt_mapping *items;
	size_t count;
	size_t capacity;
};

struct mapping_filter {
	bool has_proto;
	uint8_t proto;
	bool has_addr;
	struct in_addr addr;
	bool has_port;
	uint16_t port;
};

/* "mapping list" words: [proto P] [internal A[:PORT]] */
int mapping_parse_filter(int argc, char **argv, struct mapping_filter *filter);
/* The NAPT_A_MAPPING filter nest, if the filter has anything. */
void mapping_put_filter(struct nlmsghdr *nlh, const struct mapping_filter *filter);
int mapping_from_nest(const struct nlattr *nest, struct napt_mapping *map);

void mapping_list_free(struct mapping_list *list);
int mapping_dump(struct nl_session *s, const struct mapping_filter *filter,
		 struct mapping_list *list);

void mapping_print_table(FILE *out, const struct mapping_list *list);
void mapping_json(struct json_writer *w, const struct mapping_list *list);

void mapping_usage(FILE *out);
int do_mapping(int argc, char **argv);

#endif /* NAPTCTL_MAPPING_H */
