# dlp-milter — plain GNU Makefile.  See README.md.
#
#   make deps     install the Debian packages the build, the tests and a run need
#                 (make run installs only what building and running need)
#   make          build build/dlp-milter, build/dlpctl and build/dlp-web
#   make run      deps + build + run the milter and dlp-web in the foreground
#                 with config/dlp-milter.conf (Ctrl-C stops both)
#   make check    deps + build + unit and end-to-end tests   (SANITIZE=1: ASan + UBSan)
#   make bench    benchmarks (not part of check; deps.sh bench: pdftotext, mutool)
#   make fuzz     libFuzzer targets (FUZZ_SECONDS per target, FUZZ_TARGETS to pick)
#   make valgrind dlpctl scan under valgrind over every fixture and the corpus
#   make install  PREFIX=/usr/local DESTDIR=: programs, man pages, config (kept
#                 if present), systemd unit, var_dir for the dlp-milter user
#   make deb      the Debian package, built in a copy under build/deb/
#   make check-package  build the .deb, install it here, test it, purge it

.DEFAULT_GOAL := all

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
CONFDIR     ?= /etc/dlp-milter
VARDIR      ?= /var/lib/dlp-milter
RUNDIR      ?= /run/dlp-milter
UNITDIR     ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DLP_USER    ?= dlp-milter

PKGS := gmime-3.0 libpcre2-8 libmagic libzip sqlite3 libutf8proc uchardet jansson libsodium libcrypto \
        inih libxml-2.0 poppler-glib libgsf-1 libcurl libarchive libseccomp zlib milter libpq libmicrohttpd \
        tesseract lept cairo

CFLAGS_BASE := -std=gnu11 -O2 -g -Wall -Wextra -Werror -MMD -MP -D_GNU_SOURCE \
               -Wno-unused-parameter -I. -Idetectors -Iquarantine $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_ALL  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
# MeCab (libmecab-dev) ships no pkg-config file: mecab-config says it
CFLAGS_BASE += $(shell mecab-config --cflags 2>/dev/null)
LDLIBS_ALL  += $(or $(shell mecab-config --libs 2>/dev/null),-lmecab -lstdc++)

ifeq ($(SANITIZE),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS     += -fsanitize=address,undefined
BUILD       := build-san
endif

# The robustness corpus lives outside the repository (never copied in):
# ../shared/mime-corpus beside the checkout, or wherever DLP_CORPUS says.
# The unit tests, valgrind and the fuzz seeds all read it from there; a
# clone without it skips the corpus test and says so.
DLP_CORPUS ?= $(wildcard $(abspath ../shared/mime-corpus))
export DLP_CORPUS

# make fuzz: everything built by clang with libFuzzer's coverage, ASan and
# UBSan into build-fuzz/; one binary per target (tests/fuzz/fuzz_entry.h).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= mime zip ooxml odf pdf ole rtf xml archive html text inspect textscan conf expr xmltok
ifeq ($(FUZZ),1)
CC          := clang
CFLAGS_BASE += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined \
               -Wno-missing-field-initializers  # clang on libseccomp's SCMP_A0(op, x)
LDFLAGS     += -fsanitize=address,undefined
BUILD       := build-fuzz
endif

CFLAGS += $(CFLAGS_BASE)

.DEFAULT_GOAL := all

# Rooms: one static library each, built from the folder's *.c (a new file
# in a room needs no edit here).  extract/ole/ belongs to extract/.  The
# libraries are linked in the order a message passes the rooms backwards
# (quarantine first, the detectors last), without --start-group: a call
# that runs "upward" (an include circle between rooms) fails to link.
ROOMS := quarantine quarantine/notice quarantine/register config \
         detectors detectors/sandbox detectors/mime detectors/extract detectors/text detectors/detect
room_src = $(sort $(wildcard $(1)/*.c) $(if $(filter detectors/extract,$(1)),$(wildcard $(1)/ole/*.c)))
room_lib = $(BUILD)/lib/lib$(notdir $(1)).a
CTL_SRC := $(sort $(wildcard quarantine/ctl/*.c))
MIL_SRC := $(sort $(wildcard milter/*.c))
WEB_SRC := $(sort $(wildcard quarantine/web/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBS := $(foreach r,$(ROOMS),$(call room_lib,$(r)))
$(foreach r,$(ROOMS),$(eval $(call room_lib,$(r)): $(call obj,$(call room_src,$(r)))))

# Unit tests mirror the rooms (tests/unit/<room>/test_*.c); their shared
# helpers are tests/unit/lib/*.c.  `make check T=test_phone` runs one.
UNIT_SRC  := $(sort $(shell find tests/unit -name 'test_*.c' -not -path 'tests/unit/lib/*'))
UNIT_BIN  := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(UNIT_SRC)))
UNIT_HELP := $(sort $(wildcard tests/unit/lib/*.c))
BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
vpath test_%.c $(sort $(dir $(UNIT_SRC)))

PROGS := $(BUILD)/dlp-milter $(BUILD)/dlpctl $(BUILD)/dlp-web
FUZZ_BIN := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

.PHONY: all deps deps-run run check unit e2e bench fuzz fuzz-bin valgrind clean install uninstall deb \
	check-package keys
.SECONDARY:
all: $(PROGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBS):
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	@rm -f $@ && ar rcs $@ $^

$(BUILD)/dlp-milter: $(call obj,$(MIL_SRC)) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/dlpctl: $(call obj,$(CTL_SRC)) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/dlp-web: $(call obj,$(WEB_SRC)) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/obj/unit/test_%.o: test_%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/obj/unit/test_%.o $(call obj,$(UNIT_HELP)) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL) -lcmocka

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

FUZZ_OBJ := $(call obj,$(filter-out tests/fuzz/fuzz_main.c,$(sort $(wildcard tests/fuzz/fuzz_*.c))))
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_main.c $(FUZZ_OBJ) $(LIBS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CC) $(CFLAGS) -DFUZZ_TARGET='"$*"' -fsanitize=fuzzer -o $@ $^ $(LDLIBS_ALL)

deps:
	@sh tests/deps.sh check

deps-run:
	@sh tests/deps.sh run

run: deps-run
	@$(MAKE) --no-print-directory all
	mkdir -p var && chmod 0700 var
	@trap 'kill $$web 2>/dev/null' EXIT INT TERM; \
	$(BUILD)/dlp-web -f -c config/dlp-milter.conf & web=$$!; \
	$(BUILD)/dlp-milter -f -c config/dlp-milter.conf

unit: $(PROGS) $(UNIT_BIN)
	@sh tests/run-unit.sh $(BUILD)

e2e: $(PROGS)
	@BUILD=$(BUILD) sh tests/run-e2e.sh

# make check T=test_phone runs one test: a unit test binary
# (tests/unit/<room>/test_phone.c) or an end-to-end script
# (tests/e2e/test_dlpctl.py as T=test_dlpctl).
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
ifeq ($(T),)
	@sh tests/run-unit.sh $(BUILD)
	@BUILD=$(BUILD) sh tests/run-e2e.sh
	@BUILD=$(BUILD) sh tests/valgrind-scan.sh --sample
else
	@if [ -x $(BUILD)/tests/$(T) ]; then sh tests/run-unit.sh $(BUILD) $(T); \
	elif [ -f tests/e2e/$(T).py ]; then BUILD=$(BUILD) sh tests/run-e2e.sh $(T); \
	else echo "check: no test $(T): name a unit test (build/tests/test_*) or an" \
	    "end-to-end script (tests/e2e/test_*.py) without .py" >&2; exit 2; fi
endif

valgrind: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh tests/valgrind-scan.sh

fuzz: deps
	@command -v clang >/dev/null || { echo "make fuzz needs clang: apt-get install clang" >&2; exit 1; }
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bin
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh build-fuzz $(FUZZ_TARGETS)

fuzz-bin: $(FUZZ_BIN)

bench: $(PROGS) $(BENCH_BIN)
	@sh tests/deps.sh bench
	@BUILD=$(BUILD) sh tests/bench/run.sh

# --- installation ---------------------------------------------------------
# The config is config/dlp-milter.conf with the installed paths and account
# (contrib/install-data.sh); the unit and tmpfiles.d entry get the paths.
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' \
	-e 's|@VARDIR@|$(VARDIR)|g' -e 's|@RUNDIR@|$(RUNDIR)|g' -e 's|@DLP_USER@|$(DLP_USER)|g'
MANPAGES8 := man/dlp-milter.8 man/dlpctl.8 man/dlp-web.8
MANPAGES5 := man/dlp-milter.conf.5

install: $(PROGS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 0755 $(PROGS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(MANPAGES8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(MANPAGES5) $(DESTDIR)$(MANDIR)/man5/
	$(SUBST) contrib/dlp-milter.service.in > $(DESTDIR)$(UNITDIR)/dlp-milter.service
	$(SUBST) contrib/dlp-web.service.in > $(DESTDIR)$(UNITDIR)/dlp-web.service
	$(SUBST) contrib/dlp-milter.tmpfiles.in > $(DESTDIR)$(TMPFILESDIR)/dlp-milter.conf
	chmod 0644 $(DESTDIR)$(UNITDIR)/dlp-milter.service $(DESTDIR)$(UNITDIR)/dlp-web.service \
	    $(DESTDIR)$(TMPFILESDIR)/dlp-milter.conf
	@DESTDIR="$(DESTDIR)" CONFDIR="$(CONFDIR)" VARDIR="$(VARDIR)" RUNDIR="$(RUNDIR)" \
	    DLP_USER="$(DLP_USER)" sh contrib/install-data.sh

# Leaves the config, var_dir (the register and the quarantine) and the user.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/dlp-milter $(DESTDIR)$(SBINDIR)/dlpctl $(DESTDIR)$(SBINDIR)/dlp-web \
	    $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MANPAGES8))) \
	    $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MANPAGES5))) \
	    $(DESTDIR)$(UNITDIR)/dlp-milter.service $(DESTDIR)$(UNITDIR)/dlp-web.service \
	    $(DESTDIR)$(TMPFILESDIR)/dlp-milter.conf

# After a change of config/conf_keys.c: the README table and the man page.
keys: $(BUILD)/dlp-milter
	sh contrib/update-keys.sh $(BUILD)/dlp-milter

# The Debian package, built in a copy of the tree so that neither the tree
# nor its parent gets build products: build/deb/dlp-milter_*.deb.
DEB_DIR := build/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	tar -c --exclude=./build --exclude=./build-san --exclude=./build-fuzz --exclude=./var --exclude=./.git \
	    --exclude=__pycache__ . | tar -x -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b -j2
	rm -rf $(DEB_DIR)/src
	@ls -l $(DEB_DIR)/*.deb

check-package: deps
	@sh tests/deps.sh package
	@$(MAKE) --no-print-directory all deb
	@DEB_DIR=$(DEB_DIR) /usr/bin/python3 tests/pkg/test_package.py

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
