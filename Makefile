# SPDX-License-Identifier: GPL-2.0
#
# wman: kernel module, user-space tools and their tests.
#
#   make              module for every installed kernel, tools, libraries
#   make check        everything above, host unit tests, kselftests in a VM
#   make demo         a BS and three SSs exchanging encrypted traffic, in a VM
#                     (CAPTURE=FILE: its air saved for Wireshark)
#   make bench        the benchmarks of Documentation/benchmarks.rst
#   make check-debug  both suites on the debug kernel (tools/debug-kernel/)
#   make fuzz-kernel  the kernel fuzzer (selftests/kfuzz.sh) for 30 minutes,
#                     on the debug kernel
#
# KVERS lists the kernel releases to build for (default: every installed
# kernel with headers, see tools/kernels).  KDIR builds for one kernel
# tree instead.

BUILD  := $(abspath build)
SRC    := $(abspath .)

ifneq ($(KDIR),)
KVERS  := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
kdir    = $(KDIR)
else
KVERS  ?= $(shell tools/kernels 2>/dev/null)
kdir    = /lib/modules/$(1)/build
endif

kmod_dir = $(BUILD)/kmod/$(1)
KMOD_SOURCES := Kbuild $(wildcard kernel/*.c kernel/*.h kernel/Kbuild) \
		include/uapi/linux/wman.h


.PHONY: all deps modules tools user unit fuzz fuzz-kernel selftests check \
	demo demo-run bench bench-run debug-kernel check-debug install \
	install-modules install-tools checkpatch sparse \
	clean

all: modules tools user selftests

deps:
	@echo "== checking the Debian packages the build and tests need"
	tools/install-deps.sh

# Each kernel gets its own build directory: a tree of symbolic links to
# the sources, so that objects for different kernels never mix.
define kmod_rule
$(call kmod_dir,$(1))/kernel/wman.ko: $(KMOD_SOURCES)
	@echo "== building wman.ko for $(1)"
	@rm -rf $(call kmod_dir,$(1))/kernel $(call kmod_dir,$(1))/include
	@mkdir -p $(call kmod_dir,$(1))
	@cp -rsf $(SRC)/Kbuild $(SRC)/kernel $(SRC)/include $(call kmod_dir,$(1))/
	$(MAKE) -C $(call kdir,$(1)) M=$(call kmod_dir,$(1)) modules
endef
$(foreach k,$(KVERS),$(eval $(call kmod_rule,$(k))))

modules: $(foreach k,$(KVERS),$(call kmod_dir,$(k))/kernel/wman.ko)

# wman, and link_wman.so: the "wman" link kind for ip(8)'s plugin loader.
tools:
	@echo "== building the wman tool and ip(8)'s wman link plugin"
	$(MAKE) -C tools/wman O=$(BUILD)/tools
	$(MAKE) -C tools/iproute2 O=$(BUILD)/tools

# The kselftests' C helpers, built on the host before the VM runs them.
selftests:
	$(MAKE) -C selftests

# User-space libraries and programs, each with its own Makefile.
USER_DIRS := $(patsubst %/Makefile,%,$(wildcard user/pkm/Makefile user/common/Makefile \
	user/keytree/Makefile user/pkmd/Makefile tools/pkmctl/Makefile \
	tools/pkmload/Makefile tools/nonce-audit/Makefile tools/wire-check/Makefile))
user_out = $(BUILD)/$(1)

user:
	@echo "== building the user-space libraries, pkmd and its tools"
	+@set -e; for d in $(USER_DIRS); do \
		$(MAKE) -C $$d O=$(call user_out,$$d); done

unit: tools user
	$(MAKE) -C tools/wman O=$(BUILD)/tools test
	+@set -e; for d in $(USER_DIRS); do \
		$(MAKE) -C $$d O=$(call user_out,$$d) test test-asan; done

fuzz: user
	+@set -e; for d in $(USER_DIRS); do \
		if grep -q '^fuzz:' $$d/Makefile; then \
			$(MAKE) -C $$d O=$(call user_out,$$d) fuzz; fi; done

# check installs what is missing itself (tools/check.sh --install): on a
# fresh machine it starts the debug kernel's build before the rest of the
# packages are in.
check:
	@echo "== checking the Debian packages the build and tests need"
	tools/check.sh --install

# The debug kernel (KASAN, lockdep, kmemleak...; built once, then cached
# outside the clone) and wman.ko for it.
debug-kernel: deps
	tools/debug-kernel/vm-run --prepare

# Each suite whole takes more than an hour there: a longer limit per VM.
check-debug: deps
	CHECK_DEBUG_KERNEL=1 CHECK_DEBUG_KSELFTESTS=all CHECK_DEBUG_PKMD_TESTS=all \
	CHECK_DEBUG_VM_TIMEOUT=$${CHECK_DEBUG_VM_TIMEOUT:-7200} \
		tools/check.sh debug-kernel kselftest-debug pkmd-debug

# The kernel fuzzer's long run, in a VM, on one kernel: FUZZ_KERNEL is
# "debug" (the default: the debug kernel, under KASAN and friends) or the
# release of an installed kernel.  KFUZZ_TIME seconds of fuzzing;
# KFUZZ_SEED replays a run (a new seed is drawn, and printed, otherwise);
# KFUZZ_WORKERS picks the fuzzer's workers (selftests/kfuzz.sh).  The
# selftest runner's and the VM's time limits grow with KFUZZ_TIME.
FUZZ_KERNEL ?= debug
KFUZZ_TIME ?= 1800
ifeq ($(KFUZZ_SEED),)
KFUZZ_SEED := $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
endif
fuzz_vm = $(if $(filter debug,$(FUZZ_KERNEL)),tools/debug-kernel/vm-run,\
	tools/vm-run --kernel $(FUZZ_KERNEL) \
	--module $(call kmod_dir,$(FUZZ_KERNEL))/kernel/wman.ko)

fuzz-kernel: all
	@echo "== fuzzing wman.ko on the $(FUZZ_KERNEL) kernel for $(KFUZZ_TIME) s, seed $(KFUZZ_SEED)"
	@echo "== replay: make fuzz-kernel KFUZZ_SEED=$(KFUZZ_SEED) KFUZZ_TIME=$(KFUZZ_TIME) FUZZ_KERNEL=$(FUZZ_KERNEL)"
	$(fuzz_vm) --timeout $$(($(KFUZZ_TIME) + 900)) \
		-- env KFUZZ_TIME=$(KFUZZ_TIME) KFUZZ_SEED=$(KFUZZ_SEED) \
		$(if $(KFUZZ_WORKERS),KFUZZ_WORKERS=$(KFUZZ_WORKERS)) \
		kselftest_override_timeout=$$(($(KFUZZ_TIME) + 600)) \
		selftests/run.sh kfuzz.sh

# Targets that install dependencies first go on in a new make, which reads
# KVERS again: the kernels deps installs are not there when this one
# starts.  (check is safe: tools/check.sh runs its own make.)
demo: deps
	@$(MAKE) --no-print-directory demo-run

# The certificates are made on the host: RSA key generation is slow in an
# emulated VM.  CAPTURE=FILE saves the air for Wireshark (written in the
# build directory, which the VM shares, then copied).
demo-run: all
	@test -n "$(KVERS)" || { echo "no kernel with headers (tools/kernels)" >&2; exit 1; }
	tools/demo.sh --make-certs $(BUILD)/demo
	@echo "== booting $(lastword $(KVERS)) in QEMU for the demo"
	tools/vm-run --kernel $(lastword $(KVERS)) \
		--module $(call kmod_dir,$(lastword $(KVERS)))/kernel/wman.ko \
		-- tools/demo.sh --certs $(BUILD)/demo \
		$(if $(CAPTURE),--capture $(BUILD)/demo/air.pcap)
ifneq ($(CAPTURE),)
	@[ $(BUILD)/demo/air.pcap -ef $(CAPTURE) ] || cp $(BUILD)/demo/air.pcap $(CAPTURE)
	@echo "== the demo's air is in $(CAPTURE); read it with"
	@tools/wire-check/wire-check --command $(CAPTURE)
endif

bench: deps
	@$(MAKE) --no-print-directory bench-run

bench-run: all
	tools/bench.sh

# Only the build's packages: the tests' and the VM's are not needed here.
install:
	@echo "== checking the Debian packages the build needs"
	tools/install-deps.sh --build
	@$(MAKE) --no-print-directory install-modules install-tools

# Debian's headers have no System.map, so Kbuild skips depmod: it runs
# here, or modprobe would not find the module.  (Not into a DESTDIR: a
# package's own scripts run depmod where it is installed.)
install-modules: modules
	@for k in $(KVERS); do \
		$(MAKE) -C $(call kdir,$$k) M=$(call kmod_dir,$$k) \
			$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install || exit; \
		$(if $(DESTDIR),:,depmod $$k) || exit; \
	done

PREFIX ?= /usr/local
MAN_PAGES := $(wildcard Documentation/man/*.[0-9])
install-tools: tools user
	install -D -m 0755 $(BUILD)/tools/wman $(DESTDIR)$(PREFIX)/sbin/wman
	install -D -m 0755 $(BUILD)/user/pkmd/pkmd $(DESTDIR)$(PREFIX)/sbin/pkmd
	install -D -m 0755 $(BUILD)/tools/pkmctl/pkmctl $(DESTDIR)$(PREFIX)/sbin/pkmctl
	$(MAKE) -C tools/iproute2 O=$(BUILD)/tools install
	install -D -m 0644 user/pkmd/pkmd@.service \
		$(DESTDIR)/etc/systemd/system/pkmd@.service
	@set -e; for page in $(MAN_PAGES); do \
		section=$${page##*.}; \
		install -D -m 0644 $$page \
			$(DESTDIR)$(PREFIX)/share/man/man$$section/$$(basename $$page); \
	done

# Kernel style checks; checkpatch.pl comes from Debian's linux-source.
checkpatch:
	tools/kernel-checks.sh checkpatch

sparse:
	tools/kernel-checks.sh sparse $(KVERS)

clean:
	rm -rf --one-file-system $(BUILD)
