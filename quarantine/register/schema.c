/*
 * schema.c — the register's tables and their migrations, one list for
 * every backend (backend.h).
 *
 * Migration i brings the schema from version i to i + 1; a backend
 * applies the missing ones in order inside one transaction and records
 * the version (SQLite: PRAGMA user_version).  Never edit a migration that
 * has shipped: add one at the end.  The SQL is the common ground of SQLite
 * and PostgreSQL (TEXT, INTEGER, plain indexes); a statement that must
 * differ gets a backend's own list beside this one.
 */
#include "register/backend.h"

const char *const reg_migrations[] = {
	/* 1: incidents and their audit trail */
	"CREATE TABLE incidents ("
	"  id TEXT PRIMARY KEY,"
	"  created INTEGER NOT NULL,"
	"  queue_id TEXT, message_id TEXT, sender TEXT, subject TEXT,"
	"  recipients INTEGER NOT NULL DEFAULT 0,"
	"  external INTEGER NOT NULL DEFAULT 0,"
	"  external_visible INTEGER NOT NULL DEFAULT 0,"
	"  external_domains INTEGER NOT NULL DEFAULT 0,"
	"  rcpt TEXT NOT NULL DEFAULT '[]',"
	"  rules TEXT NOT NULL DEFAULT '[]',"
	"  findings TEXT NOT NULL DEFAULT '{}',"
	"  parts TEXT NOT NULL DEFAULT '[]',"
	"  action TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  updated_by TEXT);"
	"CREATE INDEX incidents_created ON incidents(created);"
	"CREATE INDEX incidents_status ON incidents(status, created);"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  incident TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  reason TEXT);"
	"CREATE INDEX audit_incident ON audit(incident, seq);",
	/* 2: the notice queue (notice/queue.c).  Incidents registered before
	 * this migration count as planned: no notices for old holds. */
	"ALTER TABLE incidents ADD COLUMN notices_planned INTEGER NOT NULL DEFAULT 0;"
	"UPDATE incidents SET notices_planned = 1;"
	"CREATE INDEX incidents_unplanned ON incidents(created) WHERE notices_planned = 0;"
	"CREATE TABLE notices ("
	"  seq INTEGER PRIMARY KEY,"
	"  incident TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  note TEXT,"
	"  status TEXT NOT NULL DEFAULT 'pending',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  next_try INTEGER NOT NULL,"
	"  claimed INTEGER,"
	"  sent INTEGER,"
	"  last_error TEXT);"
	"CREATE UNIQUE INDEX notices_once ON notices(incident, kind, recipient);"
	"CREATE INDEX notices_due ON notices(status, next_try);",
	/* 3: dlp-web (quarantine/web/): its accounts, their sessions (the
	 * hash of the cookie, never the cookie), the signed links already
	 * used, and the console's own audit trail (sign-ins, views,
	 * decisions; incident is NULL for a sign-in). */
	"CREATE TABLE users ("
	"  name TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE sessions ("
	"  id TEXT PRIMARY KEY,"
	"  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
	"  csrf TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL);"
	"CREATE INDEX sessions_expires ON sessions(expires);"
	"CREATE TABLE link_uses ("
	"  id TEXT PRIMARY KEY,"
	"  incident TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  time INTEGER NOT NULL);"
	"CREATE TABLE web_audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  incident TEXT,"
	"  detail TEXT);"
	"CREATE INDEX web_audit_time ON web_audit(time);"
	"CREATE INDEX web_audit_incident ON web_audit(incident, seq);",
	/* 4: supervisor approval (上長承認): who approves the mail of a sender
	 * (an address) or of a domain ("@example.go.jp", covering its
	 * subdomains); rank 0 the approvers, 1 the proxy approvers (代理). */
	"CREATE TABLE approvers ("
	"  subject TEXT NOT NULL,"
	"  approver TEXT NOT NULL,"
	"  rank INTEGER NOT NULL DEFAULT 0,"
	"  updated INTEGER NOT NULL,"
	"  PRIMARY KEY (subject, approver));",
};
const int reg_schema_version = (int)(sizeof(reg_migrations) / sizeof(reg_migrations[0]));
