-- Protocol-level cases: negotiation, the verdicts as milter replies,
-- several messages and an abort on one connection.

local conn = connect()

check(mt.test_option(conn, SMFIP_NOCONNECT) and mt.test_option(conn, SMFIP_NOHELO),
	"negotiate: no CONNECT and HELO stages")
check(mt.test_option(conn, SMFIP_NR_HDR) and mt.test_option(conn, SMFIP_NR_BODY),
	"negotiate: no replies to headers and body chunks")
check(mt.test_option(conn, SMFIP_HDR_LEADSPC), "negotiate: headers with their leading space")
check(mt.test_action(conn, SMFIF_ADDHDRS), "negotiate: may add headers")

local hdr = {{"From", " kakari@example.go.jp"}, {"To", " tanaka@partner.example.com"},
	{"Subject", " test"}}

local r = message(conn, "MT0001", "kakari@example.go.jp", {"tanaka@partner.example.com"},
	hdr, "会議は10時からです。\r\n")
check(r == SMFIR_ACCEPT, "clean external mail: accept", "reply " .. tostring(r))

r = message(conn, "MT0002", "kakari@example.go.jp", {"hr@partner.example.com"},
	hdr, "マイナンバー 1234 5678 9018\r\n")
check(r == SMFIR_REPLYCODE, "My Number: a reply code", "reply " .. tostring(r))
expect_log("MT0002", "verdict=reject action=reject rules=my_number", "My Number: rejected (log)")

-- An aborted transaction, then a new one on the same connection.
assert(mt.mailfrom(conn, "<kakari@example.go.jp>") == nil)
assert(mt.rcptto(conn, "<x@partner.example.com>") == nil)
assert(mt.abort(conn) == nil)

local many = addresses(30, "p%02d@corp.example.com")
local to = {{"From", " kakari@example.go.jp"}, {"To", " " .. table.concat(many, ", ")},
	{"Subject", " 案内"}}
r = message(conn, "MT0003", "kakari@example.go.jp", many, to, "ご案内です。\r\n")
check(r == SMFIR_DISCARD, "30 visible external recipients after an abort: discard (held)",
	"reply " .. tostring(r))
expect_log("MT0003", "action=hold rules=mass_recipients", "30 visible external: held (log)")

-- Internal only: the same list passes.
local inner = addresses(30, "s%02d@example.go.jp")
local ti = {{"From", " kakari@example.go.jp"}, {"To", " " .. table.concat(inner, ", ")}}
r = message(conn, "MT0004", "kakari@example.go.jp", inner, ti, "ご案内です。\r\n")
check(r == SMFIR_ACCEPT, "same list internal: accept", "reply " .. tostring(r))

-- A message with no body at all.
r = message(conn, "MT0005", "kakari@example.go.jp", {"a@partner.example.com"}, hdr, "")
check(r == SMFIR_ACCEPT, "empty body: accept", "reply " .. tostring(r))

mt.disconnect(conn)
done()
