/* SPDX-License-Identifier: GPL-2.0 */
/* naptctl set | show: the settings (NAPT_CMD_CONFIG_SET / CONFIG_GET). */
#ifndef NAPTCTL_CONFIG_H
#define NAPTCTL_CONFIG_H

#include <stdint.h>
#include <stdio.h>
#include <libmnl/libmnl.h>

#include "json.h"
#include "nl.h"
#include "parse.h"
#include "wan.h"

#define TIMEOUT_KINDS 5

struct timeout_kind {
	const char *name;	/* the word after "timeout" */
	uint16_t attr;		/* NAPT_A_TIMEOUT_* */
	uint32_t fallback;	/* NAPT_DEFAULT_TIMEOUT_* */
};

extern const struct timeout_kind timeout_kinds[TIMEOUT_KINDS];

/* Bits of napt_settings.present: which settings are given. */
#define SETTING_PORTS		(1u << 0)
#define SETTING_MAX_MAPPINGS	(1u << 1)
#define SETTING_MAX_PER_HOST	(1u << 2)
#define SETTING_FILTERING	(1u << 3)
#define SETTING_TIMEOUT(kind)	(1u << (4 + (kind)))

struct napt_settings {
	unsigned int present;
	struct port_range ports;
	uint32_t timeout[TIMEOUT_KINDS];	/* seconds, by timeout_kinds */
	uint32_t max_mappings;
	uint32_t max_per_host;
	uint8_t filtering;			/* enum napt_filtering */
};

struct napt_config {
	struct napt_wan wan;
	struct napt_settings settings;
};

/*
 * The words after "set": KEY VALUE pairs. Adds to *st and refuses a key
 * already present, so several "set" lines of a restore file can share it.
 */
int settings_parse(int argc, char **argv, struct napt_settings *st);
/* The attributes of every present setting (CONFIG_SET, RESTORE). */
void settings_put(struct nlmsghdr *nlh, const struct napt_settings *st);
int settings_from_attrs(const struct nlattr **tb, struct napt_settings *st);

/* "eif", "adf", "apdf"; NULL for a value this tool does not know. */
const char *filtering_name(uint8_t filtering);

/* Decodes a CONFIG_GET reply. */
int config_from_msg(const struct nlmsghdr *nlh, struct napt_config *cfg);
/* CONFIG_GET: 0, or -1 with s->error set. */
int config_get(struct nl_session *s, struct napt_config *cfg);
/* CONFIG_GET on a session of its own; on failure prints "cannot <doing>". */
int config_fetch(struct napt_config *cfg, const char *doing);

/* naptctl show */
void config_print(FILE *out, const struct napt_config *cfg);
void config_json_members(struct json_writer *w, const struct napt_config *cfg);

void set_usage(FILE *out);
int do_set(int argc, char **argv);
int do_show(int argc, char **argv);

#endif /* NAPTCTL_CONFIG_H */
