# SPDX-License-Identifier: GPL-2.0
# napt: the kernel module (kmod/napt.ko), its tool (tools/naptctl) and
# their selftests.

# The project's one version: kmod/Kbuild, naptctl and the selftests read
# it from this line; keep its form. dkms.conf repeats it (make check).
VERSION := 0.1.0

#   make                  kmod/napt.ko against KDIR, and tools/naptctl/naptctl
#   make KDIR=DIR         ... against the kernel build tree DIR
#   make KVER=NAME        ... against kernel NAME (6.1, 6.12, 6.12-rt, debug,
#                         a full release: see tools/kver)
#   make modules          napt.ko for every kernel of the matrix (or KVER)
#                         into build/<release>/kmod/napt.ko (what the VM uses)
#   make test             build all, boot each kernel of the matrix (or KVER)
#                         in qemu, run every selftest; TESTS="a.sh b" for some
#   make demo             the two NAPT examples of the seed articles, live in the VM
#   make bench            napt against nf_nat and plain forwarding, one VM boot;
#                         writes tools/bench/results.md and rates.png
#   make check            checkpatch, sparse, naptctl's -Wall -Wextra build and tests
#   make install          napt.ko to /lib/modules/<KDIR's release>/extra + depmod,
#                         naptctl to PREFIX/sbin (DESTDIR, PREFIX honoured)
#   make deps             install the Debian packages all of this needs
#   make clean
#
# WERROR=1 turns warnings into errors (module, naptctl, selftests); CI sets it.

MATRIX ?= 6.1 6.12 6.12-rt
# KERNEL= is accepted for KVER= too.
KVER ?= $(KERNEL)
TESTS ?=
# The demo boots one kernel: KVER's, else the matrix's first.
DEMO_KVER ?= $(firstword $(KVER) $(MATRIX))
# So does the benchmark; BENCH_REPS repetitions of every point.
BENCH_KVER ?= $(firstword $(KVER) $(MATRIX))
BENCH_REPS ?= 3
# The guest's time limit per kernel, seconds: a guard against a hung
# guest, not a budget. Three guests side by side on two cores take about
# 19 minutes for the whole suite; 50 leaves room for a machine twice as
# slow and still ends well inside CI's 90 (the debug kernel is slower
# still).
VM_TIMEOUT ?= $(if $(filter debug,$(KERNELS)),5400,3000)
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_MOD_DIR ?= extra

# KDIR: given, else KVER's, else tools/kver's default (the running kernel's
# build dir, else the newest Debian headers). Worked out once, when used.
ifneq ($(KVER),)
KDIR ?= $(eval KDIR := $$(shell tools/kver kdir $$(firstword $$(KVER))))$(KDIR)
else
KDIR ?= $(eval KDIR := $$(shell tools/kver default))$(KDIR)
endif
KERNELS := $(or $(KVER),$(MATRIX))

# The BTF notice: Debian's headers have no vmlinux to generate BTF from.
KBUILD_OPTS := CONFIG_DEBUG_INFO_BTF_MODULES=
NAPTCTL_OPTS := NAPT_VERSION=$(VERSION)
SELFTESTS_OPTS :=
ifeq ($(WERROR),1)
KBUILD_OPTS += NAPT_WERROR=y
NAPTCTL_OPTS += WERROR=1
SELFTESTS_OPTS += WERROR=1
endif

# The module's sources (not kbuild's generated napt.mod.c), and what
# build/<release>/ gets: what Kbuild needs, nothing built in the tree.
KMOD_C = $(filter-out %.mod.c,$(wildcard kmod/*.c))
KMOD_SOURCES = $(KMOD_C) $(wildcard kmod/*.h)
MODULE_SOURCES = Kbuild Makefile $(wildcard kmod/Kbuild) $(KMOD_SOURCES) \
	$(shell find uapi -name '*.h')

CHECKPATCH := build/checkpatch/checkpatch.pl
CHECKPATCH_FLAGS := --no-tree --strict --terse --show-types --no-summary --file

all: module naptctl

need-kdir:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || { \
		echo "make: no kernel build tree (KDIR='$(KDIR)'): run 'make deps' or give KDIR=" >&2; \
		exit 1; }

module: need-kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_OPTS) modules

# napt.ko for each kernel of KERNELS, each in its own build/<release>/ with
# a copy of the sources, so they never mix (tools/vm/run installs
# build/<release>/kmod/napt.ko in the guest).
modules modules-matrix:
	@set -e; for k in $(KERNELS); do \
		if [ $$k = debug ]; then tools/debug-kernel; fi; \
		rel=$$(tools/kver release $$k); kdir=$$(tools/kver kdir $$k); \
		out=build/$$rel; mkdir -p $$out; \
		printf '%s\n' $(MODULE_SOURCES) | cpio -pdmu --quiet $$out; \
		echo "  MODULE  $$out/kmod/napt.ko ($$k)"; \
		$(MAKE) -s -C $$kdir M=$(CURDIR)/$$out $(KBUILD_OPTS) modules; \
	done

naptctl:
	$(MAKE) -C tools/naptctl $(NAPTCTL_OPTS)

# The kselftest framework and checkpatch, from Debian's linux-source.
kselftest:
	@tools/kernel-files

selftests: kselftest
	$(MAKE) -C selftests $(SELFTESTS_OPTS)

deps:
	@tools/deps

test:
	@tools/deps
	@$(MAKE) --no-print-directory modules naptctl selftests KVER="$(KERNELS)"
	@tools/run-tests -t $(VM_TIMEOUT) $(addprefix -k ,$(KERNELS)) -- $(TESTS)

demo:
	@tools/deps
	@$(MAKE) --no-print-directory modules naptctl KVER="$(DEMO_KVER)"
	@tools/vm/run -k $(DEMO_KVER) -t 600 -- tools/demo

bench:
	@tools/deps
	@$(MAKE) --no-print-directory modules naptctl KVER="$(BENCH_KVER)"
	@tools/bench/run -k $(BENCH_KVER) -r $(BENCH_REPS)

check:
	@$(MAKE) --no-print-directory -k checkpatch sparse check-naptctl check-version

checkpatch: kselftest
	@echo "  CHECKPATCH kmod/ uapi/ selftests/"
	@$(CHECKPATCH) $(CHECKPATCH_FLAGS) $(KMOD_SOURCES) uapi/linux/napt.h \
		$(wildcard selftests/*.c)
	@echo "  CHECKPATCH clean"

# sparse through kbuild (C=2: every file, built or not), in a scratch copy so
# the tree's own objects are left alone. Fails on any finding, and if
# sparse did not check every kmod/*.c.
SPARSE ?= sparse
sparse: need-kdir
	@command -v $(SPARSE) >/dev/null || { echo "sparse is not installed (make deps)" >&2; exit 1; }
	@rm -rf build/sparse && mkdir -p build/sparse
	@printf '%s\n' $(MODULE_SOURCES) | cpio -pdm --quiet build/sparse
	@echo "  SPARSE  kmod/*.c against $(KDIR)"
	@$(MAKE) --no-print-directory -C $(KDIR) M=$(CURDIR)/build/sparse \
		C=2 CHECK=$(SPARSE) $(KBUILD_OPTS) NAPT_WERROR=y modules \
		>build/sparse.log 2>&1; \
	rc=$$?; \
	grep -vE '^  (CC|LD|MODPOST|BTF|CHECK) ' build/sparse.log; \
	test $$rc -eq 0 || { echo "sparse: the build failed" >&2; exit 1; }; \
	want=$(words $(KMOD_C)); \
	ran=$$(grep -cE '^  CHECK +.*/kmod/[^/]*\.c$$' build/sparse.log); \
	test $$ran -eq $$want || \
		{ echo "sparse: checked $$ran of $$want kmod/*.c files" >&2; exit 1; }; \
	! grep -qE ': (warning|error):' build/sparse.log || \
		{ echo "sparse: findings above" >&2; exit 1; }; \
	echo "  SPARSE  $$ran files checked, no findings"

check-naptctl:
	$(MAKE) -C tools/naptctl $(NAPTCTL_OPTS) check

# dkms.conf carries the version too; it must follow this file.
check-version:
	@grep -q '^PACKAGE_VERSION="$(VERSION)"$$' dkms.conf || \
		{ echo "dkms.conf: PACKAGE_VERSION is not $(VERSION)" >&2; exit 1; }

# The release napt.ko is built for, as the kernel says it (UTS_RELEASE, its
# vermagic): Debian's 6.1 headers have "6.1.192" in kernel.release where
# the kernel and /lib/modules say 6.1.0-56-amd64.
KRELEASE = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

# kbuild installs a module at its path under M, so the module is built for
# installing from a copy with M at kmod/: /lib/modules/<release>/extra/napt.ko,
# not .../extra/kmod/napt.ko. depmod runs on the real tree, or on DESTDIR
# when that holds a whole module tree; a staging DESTDIR is left to the
# package's own depmod on the target.
# Modules are signed at install when the kernel's key is there; Debian's
# headers have none (sign-file would only complain): then they are not.
SIGN_KEY = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' $(KDIR)/.config 2>/dev/null)
SIGN_OPTS = $(if $(SIGN_KEY),$(if $(wildcard $(SIGN_KEY) $(KDIR)/$(SIGN_KEY)),,CONFIG_MODULE_SIG_ALL=))

install: need-kdir naptctl
	@test -n "$(KRELEASE)" || { echo "make: cannot tell the release of $(KDIR)" >&2; exit 1; }
	@rm -rf build/install && mkdir -p build/install
	@printf '%s\n' $(MODULE_SOURCES) | cpio -pdm --quiet build/install
	$(MAKE) -C $(KDIR) M=$(CURDIR)/build/install/kmod $(KBUILD_OPTS) modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/build/install/kmod $(KBUILD_OPTS) \
		$(SIGN_OPTS) KERNELRELEASE=$(KRELEASE) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	@if [ -z "$(DESTDIR)" ]; then \
		echo "depmod -a $(KRELEASE)"; depmod -a $(KRELEASE); \
	elif [ -f "$(DESTDIR)/lib/modules/$(KRELEASE)/modules.order" ]; then \
		echo "depmod -a -b $(DESTDIR) $(KRELEASE)"; depmod -a -b $(DESTDIR) $(KRELEASE); \
	else \
		echo "depmod: skipped, $(DESTDIR) is a staging tree (run depmod $(KRELEASE) on the target)"; \
	fi
	$(MAKE) -C tools/naptctl $(NAPTCTL_OPTS) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) install

clean:
	rm -rf build
	rm -f kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd kmod/modules.order
	rm -f *.o .*.o .*.cmd .*.d Module.symvers modules.order
	rm -rf .tmp_versions
	-$(MAKE) -C tools/naptctl clean
	-$(MAKE) -C selftests clean

.PHONY: all need-kdir module modules modules-matrix naptctl kselftest bench \
	selftests deps test demo check checkpatch sparse check-naptctl \
	check-version install clean
