-- Run with a quarantine that cannot be written (the runner makes
-- var/quarantine/tmp a plain file): a message that must be held gets a
-- temporary failure, never a discard; a clean one still passes.

local conn = connect()
local many = addresses(12, "p%02d@corp.example.com")
local to = {{"From", " kakari@example.go.jp"}, {"To", " " .. table.concat(many, ", ")},
	{"Subject", " 案内"}}

local r = message(conn, "MT0101", "kakari@example.go.jp", many, to, "ご案内です。\r\n")
check(r == SMFIR_REPLYCODE, "hold with an unwritable quarantine: a reply code, not discard",
	"reply " .. tostring(r))
expect_log("MT0101", "hold failed, answering tempfail", "unwritable quarantine: tempfail (log)")

r = message(conn, "MT0102", "kakari@example.go.jp", {"a@partner.example.com"},
	{{"From", " kakari@example.go.jp"}, {"To", " a@partner.example.com"}}, "本文\r\n")
check(r == SMFIR_ACCEPT, "clean mail still accepted", "reply " .. tostring(r))

mt.disconnect(conn)
done()
