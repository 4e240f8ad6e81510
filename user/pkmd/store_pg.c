// SPDX-License-Identifier: GPL-2.0
/*
 * The store on PostgreSQL (store.h), through libpq: the BS's state on a
 * database server, as a zone of several BSs will need.  Same schema and
 * statements as SQLite (store_sql.c), in PostgreSQL's types.
 *
 * Durability is SQLite's: a write is a transaction of its own, or one
 * between BEGIN and COMMIT, and the function returns once the server
 * has answered COMMIT.  With synchronous_commit on (checked at each
 * connection; "off" is raised to "on" for this session) that answer
 * comes after the commit's WAL record is flushed on the server, and on
 * synchronous standbys when the server is configured to have them.
 *
 * Statements are prepared once per connection.  Parameters go as text,
 * blobs as binary BYTEA; results come back as text, BYTEA in hex.  A
 * result that held keys is wiped before it is freed.
 *
 * A lost connection: before a statement outside a transaction, what the
 * server sent while the connection was idle is read, so that a
 * connection it closed (a restart, an administrator) is reset and the
 * statement runs on the new one.  A statement that fails because the
 * connection went down while it ran returns -EIO: whether a write was
 * committed is then unknown, and the caller's retry decides.  A read is
 * tried once more after PQreset().  Inside a transaction nothing is
 * retried: the transaction fails (-EIO at its commit) and the next
 * statement after it resets the connection.  Each loss and reset is
 * logged with the server and database, never the connection URI (which
 * may hold a password).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "log.h"
#include "store_backend.h"
#include "store_sql.h"

/* The most parameters of a statement (SQL_AK_PUT). */
#define PARAMS_MAX		8
/* The advisory lock that serialises schema creation between BSs: "pkmd". */
#define SCHEMA_LOCK_KEY		"1886088548"
/* Seconds to wait for a connection when the URI does not say. */
#define CONNECT_TIMEOUT		"10"

/* A receive window of a batch (pg_ak_set_rx()). */
struct rx_window {
	uint8_t mac[MAC_LEN];
	uint8_t slot;
	uint64_t rx_next;
};

struct rx_windows {
	struct rx_window *w;
	size_t n, cap;
};

/*
 * Connections that commit receive windows (pg_batch_send()), each with a
 * transaction on its way at most: the first is the store's own.
 */
#define PIPE_LANES		2
/* transactions on their way or decided before an older one */
#define PIPE_TX_MAX		4
#define PIPE_OUTCOMES_MAX	8

struct pipe_tx {
	int lane;
	int batches;			/* done() calls its outcome owes */
	bool has_open;			/* it holds the open batch's windows */
	int step;			/* in pipe_script: what comes next */
	bool ok;			/* every result so far was good */
	bool committed;			/* its COMMIT said COMMIT */
	bool decided;
};

struct pipe_lane {
	PGconn *conn;			/* the first lane's: the store's */
	bool busy;			/* a transaction is on its way on it */
	bool broken;			/* its state is unknown: reset it first */
	bool after_result;		/* the NULL after a result is next */
	int64_t retry_at_ms;		/* a connection that failed: not before */
};

struct pipe_outcome {
	int batches;
	bool ok;
};

struct pg_store {
	struct store base;
	PGconn *conn;
	bool tx_open;			/* between begin() and commit()/rollback() */
	bool tx_failed;			/* a statement of it failed: it cannot commit */
	bool batch;			/* store_batch_begin() .. _end() or _send() */
	/* The open batch's receive windows, not sent yet: one per AK. */
	struct rx_windows rx;
	bool batch_failed;		/* some of its windows are not on disk */
	int64_t looked_ms;		/* its connection's last check (monotonic) */
	/*
	 * The windows of the batches store_batch_send() ended while a commit
	 * was on its way: the next commit's, once that one's result is in.
	 */
	struct rx_windows staged;
	int n_staged;			/* batches in it */
	/* The transactions on their way, in libpq's pipeline mode, oldest first. */
	struct pipe_lane lanes[PIPE_LANES];
	struct pipe_tx pipe[PIPE_TX_MAX];
	int n_pipe;
	bool pipe_last_ok;		/* the outcome of the last one decided */
	/* outcomes of batches, oldest first, that done() has not been told */
	struct pipe_outcome outcomes[PIPE_OUTCOMES_MAX];
	int n_outcomes;
	/* the connection's state is unknown (a pipeline broken off) */
	bool pipe_broken;
	/* The server said, between statements, that it ends the session. */
	bool server_closing;
	/* a server that cannot be reached is tried again after this */
	int64_t retry_at_ms;		/* monotonic */
	uint32_t backoff_ms;
	int64_t unreachable_log_ms;	/* the last "unreachable" line */
	/* zones: the URI again, for the listener's connection of its own */
	char *uri;
	uint32_t failover_ms;		/* zones: the bound of every wait */
	char bounds[3][16];		/* conn_params()' values */
	PGconn *listener;
};

/* A statement's parameters, for PQexecPrepared(). */
struct params {
	int n;
	const char *values[PARAMS_MAX];
	int lengths[PARAMS_MAX];
	int formats[PARAMS_MAX];	/* 0 text, 1 binary */
	char text[PARAMS_MAX][24];
};

static const struct store_ops pg_ops;

static struct pg_store *to_pg(struct store *base)
{
	return container_of(base, struct pg_store, base);
}

static void p_int(struct params *p, int64_t v)
{
	snprintf(p->text[p->n], sizeof(p->text[p->n]), "%" PRId64, v);
	p->values[p->n] = p->text[p->n];
	p->formats[p->n++] = 0;
}

static void p_text(struct params *p, const char *s)
{
	p->values[p->n] = s;
	p->formats[p->n++] = 0;
}

static void p_null(struct params *p)
{
	p->values[p->n] = NULL;
	p->formats[p->n++] = 0;
}

static void p_mac(struct params *p, const uint8_t mac[MAC_LEN])
{
	p_text(p, mac_format(mac, p->text[p->n]));
}

/* An empty blob is a zero-length BYTEA, never NULL. */
static void p_blob(struct params *p, const void *data, size_t len)
{
	p->values[p->n] = len ? data : "";
	p->lengths[p->n] = (int)len;
	p->formats[p->n++] = 1;
}

/* The first line of a libpq message, for one log line. */
static const char *one_line(const char *msg, char *buf, size_t cap)
{
	size_t n = msg ? strcspn(msg, "\n") : 0;

	if (!msg || !*msg)
		return "no message";
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

static void log_conn_error(struct pg_store *st, const char *what)
{
	char buf[256];

	log_err("database %s: %s: %s", st->base.name, what,
		one_line(PQerrorMessage(st->conn), buf, sizeof(buf)));
}

/*
 * What the server says outside a statement's result: notices, at debug
 * level, and the FATAL error of a session it ends (a shutdown,
 * pg_terminate_backend) while the connection is idle, which libpq hands
 * here too, possibly before the connection's end can be read.
 */
static void on_notice(void *arg, const PGresult *r)
{
	const char *severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	struct pg_store *st = arg;
	char buf[256];

	if (severity && (!strcmp(severity, "FATAL") || !strcmp(severity, "PANIC")))
		st->server_closing = true;
	log_debug("database %s: %s", st->base.name,
		  one_line(PQresultErrorMessage(r), buf, sizeof(buf)));
}

/* Runs SQL without parameters, results dropped; 0 or -EIO (logged). */
static int exec_plain(struct pg_store *st, const char *sql, const char *what)
{
	PGresult *r = PQexec(st->conn, sql);
	ExecStatusType s = PQresultStatus(r);
	char buf[256];
	int err = 0;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		log_err("database %s: %s: %s", st->base.name, what,
			one_line(PQresultErrorMessage(r), buf, sizeof(buf)));
		err = -EIO;
	}
	PQclear(r);
	return err;
}

/*
 * A BS of a zone waits on the database for a bounded time (zones.rst,
 * "Bounded waits"), F being zone-failover: a dead peer or a black-holed
 * path is found by TCP keepalives after F/4 s idle, probes each second,
 * three lost; data unacknowledged for F/2 ms ends the connection; a
 * connection attempt ends after F/4 s (libpq takes 2 s at least).  The
 * URI, which comes last, may say otherwise.
 */
#define ZONE_PARAMS_MAX		10

static void conn_params(struct pg_store *st, const char *app,
			const char **keys, const char **values)
{
	uint32_t f = st->failover_ms, quarter_s = (f / 4 + 999) / 1000;
	int n = 0;

	keys[n] = "connect_timeout";
	values[n++] = CONNECT_TIMEOUT;
	if (f) {
		snprintf(st->bounds[0], sizeof(st->bounds[0]), "%u",
			 quarter_s > 2 ? quarter_s : 2);
		snprintf(st->bounds[1], sizeof(st->bounds[1]), "%u", quarter_s);
		snprintf(st->bounds[2], sizeof(st->bounds[2]), "%u", f / 2);
		values[0] = st->bounds[0];
		keys[n] = "keepalives";
		values[n++] = "1";
		keys[n] = "keepalives_idle";
		values[n++] = st->bounds[1];
		keys[n] = "keepalives_interval";
		values[n++] = "1";
		keys[n] = "keepalives_count";
		values[n++] = "3";
		keys[n] = "tcp_user_timeout";
		values[n++] = st->bounds[2];
	}
	keys[n] = "fallback_application_name";
	values[n++] = app;
	keys[n] = "dbname";
	values[n++] = st->uri;
	keys[n] = NULL;
	values[n] = NULL;
}

/*
 * A zone's session bounds what it waits for on the server: a row lock
 * (a stalled writer's fence) F/10, one renewal period, so that a lease
 * pass blocked by it still renews the other leases in time; and a
 * transaction left idle by its client (a stalled or partitioned writer)
 * is ended by the server after F/4, its locks released well before its
 * lease (3F/5) runs out.  A statement's own run is bounded by
 * STATEMENT_BOUND_MS, not F: the whole subscriber list or a large tree
 * may take longer than F/4 to read or save (zones.rst, "Bounded
 * waits"), and is no wait on another BS; the fence, a short statement,
 * is bounded by F/4 (fence_bound()).
 */
#define STATEMENT_BOUND_MS	60000

static uint32_t statement_bound(const struct pg_store *st)
{
	return st->failover_ms * 12 > STATEMENT_BOUND_MS ?
	       st->failover_ms * 12 : STATEMENT_BOUND_MS;
}

static int session_bounds(struct pg_store *st)
{
	uint32_t f = st->failover_ms;
	char sql[192];

	if (!f)
		return 0;
	snprintf(sql, sizeof(sql),
		 "SET lock_timeout = %u; SET statement_timeout = %u;"
		 " SET idle_in_transaction_session_timeout = %u",
		 f / 10, statement_bound(st), f / 4);
	return exec_plain(st, sql, "timeouts");
}

/*
 * In a fenced transaction: its statements bounded by F/4 (on), or by
 * the session's bound again (off), until it ends.
 */
static int fence_bound(struct pg_store *st, bool on)
{
	char sql[64];

	if (!st->failover_ms)
		return 0;
	snprintf(sql, sizeof(sql), "SET LOCAL statement_timeout = %u",
		 on ? st->failover_ms / 4 : statement_bound(st));
	if (exec_plain(st, sql, "statement bound")) {
		st->tx_failed = st->tx_open;
		return -EIO;
	}
	return 0;
}

/*
 * What ended a statement, when the server ended it for one of the
 * zone's bounds (zones.rst, "Bounded waits"), for its log line.
 */
static const char *bound_hit(const PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	if (!state)
		return NULL;
	if (!strcmp(state, "57014"))
		return "statement timeout";
	if (!strcmp(state, "55P03"))
		return "lock timeout";
	if (!strcmp(state, "25P03"))
		return "idle-in-transaction timeout";
	return NULL;
}

/* SQLite's ?N parameters as PostgreSQL's $N. */
static char *pg_dialect(const char *sql)
{
	char *out = strdup(sql);

	for (char *c = out; c && *c; c++)
		if (c[0] == '?' && c[1] >= '0' && c[1] <= '9')
			c[0] = '$';
	return out;
}

static void stmt_name(enum store_sql id, char buf[24])
{
	snprintf(buf, 24, "pkmd_%d", (int)id);
}

/*
 * The scope of the statements' rows (store_sql.c): pkmd.zone and pkmd.bs
 * of this session, which pkmd_zone() and pkmd_bs() read.
 */
static int set_scope(struct pg_store *st)
{
	const char *values[3] = { st->base.zone, st->base.bs, st->base.instance };
	PGresult *r = PQexecParams(st->conn,
				   "SELECT set_config('pkmd.zone', $1, false),"
				   " set_config('pkmd.bs', $2, false),"
				   " set_config('pkmd.instance', $3, false)",
				   3, NULL, values, NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;

	PQclear(r);
	if (!ok)
		log_conn_error(st, "zone and BS of the session");
	return ok ? 0 : -EIO;
}

/*
 * What each new connection needs: commits that wait for the WAL flush,
 * BYTEA results in hex, every statement prepared.
 */
static int session_setup(struct pg_store *st)
{
	PGresult *r;
	char name[24];
	bool sync_off;

	r = PQexec(st->conn, "SELECT current_setting('synchronous_commit')");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		PQclear(r);
		log_conn_error(st, "synchronous_commit");
		return -EIO;
	}
	sync_off = !strcmp(PQgetvalue(r, 0, 0), "off");
	PQclear(r);
	if (sync_off) {
		log_notice("database %s: synchronous_commit is off on the server; on for pkmd's session, whose commits must be durable before it answers",
			   st->base.name);
		if (exec_plain(st, "SET synchronous_commit = on", "synchronous_commit"))
			return -EIO;
	}
	if (exec_plain(st, "SET bytea_output = 'hex'", "bytea_output") ||
	    session_bounds(st) || set_scope(st))
		return -EIO;
	for (int id = 0; id < SQL_COUNT; id++) {
		char *sql = pg_dialect(store_sql_pg(id));
		ExecStatusType s;

		if (!sql)
			return -ENOMEM;
		stmt_name(id, name);
		r = PQprepare(st->conn, name, sql, 0, NULL);
		s = PQresultStatus(r);
		PQclear(r);
		free(sql);
		if (s != PGRES_COMMAND_OK) {
			log_conn_error(st, "prepare");
			return -EIO;
		}
	}
	return 0;
}

/*
 * Whether the idle connection is still up: what the server sent since
 * the last statement (an error before it closed the connection, then
 * the end of the stream) is read first.
 */
static bool connection_up(struct pg_store *st)
{
	for (int i = 0; i < 8; i++) {
		struct pollfd pfd = { .fd = PQsocket(st->conn), .events = POLLIN };
		PGnotify *n;

		if (PQstatus(st->conn) != CONNECTION_OK || pfd.fd < 0 ||
		    st->server_closing || st->pipe_broken)
			return false;
		if (poll(&pfd, 1, 0) <= 0)
			return true;
		if (!PQconsumeInput(st->conn))
			return false;
		/* Nothing listens yet: a notification is dropped. */
		while ((n = PQnotifies(st->conn)))
			PQfreemem(n);
	}
	return PQstatus(st->conn) == CONNECTION_OK && !st->server_closing;
}

/* Reconnection attempts back off from this to this, doubling. */
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		5000
#define UNREACHABLE_LOG_MS	10000

/*
 * One PQreset(), outside a transaction; 0 or -EIO (logged).  After a
 * failed one the next waits BACKOFF_MIN_MS, then twice as long each time
 * up to BACKOFF_MAX_MS; a call meanwhile fails at once with -EIO, and
 * says so at most every 10 s, so that the caller refuses what needs the
 * database without waiting for a connection timeout each time.
 */
static int reconnect(struct pg_store *st)
{
	int64_t now = now_mono_ms();
	char buf[256];

	if (now < st->retry_at_ms) {
		if (now - st->unreachable_log_ms >= UNREACHABLE_LOG_MS) {
			st->unreachable_log_ms = now;
			log_err("database %s: unreachable; what needs it is refused, connecting again in %lld ms",
				st->base.name, (long long)(st->retry_at_ms - now));
		}
		return -EIO;
	}
	log_warn("database %s: connection lost (%s); connecting again",
		 st->base.name, st->server_closing ? "the server ended the session" :
		 one_line(PQerrorMessage(st->conn), buf, sizeof(buf)));
	st->server_closing = false;
	st->pipe_broken = false;
	PQreset(st->conn);
	if (PQstatus(st->conn) != CONNECTION_OK || session_setup(st)) {
		if (PQstatus(st->conn) != CONNECTION_OK)
			log_conn_error(st, "cannot connect again");
		st->backoff_ms = st->backoff_ms ? st->backoff_ms * 2 : BACKOFF_MIN_MS;
		if (st->backoff_ms > BACKOFF_MAX_MS)
			st->backoff_ms = BACKOFF_MAX_MS;
		st->retry_at_ms = now_mono_ms() + st->backoff_ms;
		st->unreachable_log_ms = now_mono_ms();
		return -EIO;
	}
	st->backoff_ms = 0;
	st->retry_at_ms = 0;
	log_notice("database %s: connected again", st->base.name);
	return 0;
}

/* The connection, reset if the server closed it while it was idle. */
static int ensure_connection(struct pg_store *st)
{
	if (st->tx_open || connection_up(st))
		return 0;
	return reconnect(st);
}

static int batch_commit(struct pg_store *st);
static void pipe_deliver(struct pg_store *st);

static bool is_read(enum store_sql id)
{
	switch (id) {
	case SQL_SUBSCRIBER_EACH:
	case SQL_MEMBER_EACH:
	case SQL_STATION_EACH:
	case SQL_SA_EACH:
	case SQL_AK_EACH:
	case SQL_TREE_LOAD:
	case SQL_TREE_VERSIONS:
	case SQL_LEASE_HOLDER:
	case SQL_JOIN_EACH:
	case SQL_ZONE_AK_CURRENT:
	case SQL_ZONE_SA_GET:
	case SQL_REPLACE_EACH:
		return true;
	default:
		return false;
	}
}

/*
 * Runs a prepared statement.  With res, a successful result is left
 * there for the caller to read and PQclear().  0, -EEXIST (a constraint
 * refused the row, as SQLite's SQLITE_CONSTRAINT) or -EIO (logged).
 */
static int run(struct pg_store *st, enum store_sql id, const struct params *p,
	       PGresult **res, const char *what)
{
	bool retried = false;
	const char *state;
	char name[24], buf[256];
	PGresult *r;
	int err;

	/* Any other statement commits the receive windows first. */
	if (batch_commit(st))
		return -EIO;
	if (st->tx_failed)
		return -EIO;
	stmt_name(id, name);
again:
	if (ensure_connection(st))
		return -EIO;
	r = PQexecPrepared(st->conn, name, p->n, p->values, p->lengths,
			   p->formats, 0);
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		if (res)
			*res = r;
		else
			PQclear(r);
		return 0;
	default:
		break;
	}
	st->tx_failed = st->tx_open;
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (state && !strncmp(state, "23", 2)) {
		/* class 23: integrity constraint violation */
		PQclear(r);
		return -EEXIST;
	}
	if (bound_hit(r))
		log_err("database %s: %s: %s: %s", st->base.name, what,
			bound_hit(r), one_line(PQresultErrorMessage(r), buf, sizeof(buf)));
	else
		log_err("database %s: %s: %s", st->base.name, what,
			one_line(PQresultErrorMessage(r), buf, sizeof(buf)));
	PQclear(r);
	err = -EIO;
	if (PQstatus(st->conn) != CONNECTION_OK && !st->tx_open &&
	    !reconnect(st) && is_read(id) && !retried) {
		retried = true;
		goto again;
	}
	return err;
}

static int changes(PGresult *r)
{
	return atoi(PQcmdTuples(r));
}

/* Runs a statement that returns no rows; -ENOENT if it changed none. */
static int run_change(struct pg_store *st, enum store_sql id,
		      const struct params *p, const char *what)
{
	PGresult *r;
	int err = run(st, id, p, &r, what);

	if (err)
		return err;
	err = changes(r) ? 0 : -ENOENT;
	PQclear(r);
	return err;
}

/*
 * Runs an insert of a BS's own row, which only the instance holding its
 * bs-id's claim makes (store_sql.c, CLAIMED): -EPERM (logged) if it
 * inserted nothing.
 */
static int run_claimed(struct pg_store *st, enum store_sql id,
		       const struct params *p, const char *what)
{
	int err = run_change(st, id, p, what);

	if (err != -ENOENT)
		return err;
	log_err("database %s: %s: refused: another pkmd instance holds bs-id %s now",
		st->base.name, what, st->base.bs);
	return -EPERM;
}

static int begin(struct pg_store *st)
{
	if (batch_commit(st) || ensure_connection(st))
		return -EIO;
	if (exec_plain(st, "BEGIN", "begin"))
		return -EIO;
	st->tx_open = true;
	st->tx_failed = false;
	return 0;
}

/* 0 once the server has committed; -EIO (logged) otherwise. */
static int commit(struct pg_store *st)
{
	PGresult *r;
	char buf[256];
	bool ok;

	if (st->tx_failed) {
		st->tx_open = st->tx_failed = false;
		if (PQstatus(st->conn) == CONNECTION_OK)
			PQclear(PQexec(st->conn, "ROLLBACK"));
		log_err("database %s: transaction rolled back after an error",
			st->base.name);
		return -EIO;
	}
	st->tx_open = false;
	r = PQexec(st->conn, "COMMIT");
	/* A transaction the server aborted answers COMMIT with ROLLBACK. */
	ok = PQresultStatus(r) == PGRES_COMMAND_OK &&
	     !strcmp(PQcmdStatus(r), "COMMIT");
	if (!ok)
		log_err("database %s: commit: %s", st->base.name,
			PQresultStatus(r) == PGRES_COMMAND_OK ? "rolled back" :
			one_line(PQresultErrorMessage(r), buf, sizeof(buf)));
	PQclear(r);
	return ok ? 0 : -EIO;
}

static void rollback(struct pg_store *st)
{
	st->tx_open = st->tx_failed = false;
	if (PQstatus(st->conn) == CONNECTION_OK &&
	    PQtransactionStatus(st->conn) != PQTRANS_IDLE)
		PQclear(PQexec(st->conn, "ROLLBACK"));
}

/* ---- results ---- */

static int64_t col_int(PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int col_text(PGresult *r, int row, int col, char *out, size_t cap)
{
	return !PQgetisnull(r, row, col) &&
	       str_copy(out, cap, PQgetvalue(r, row, col)) ? 0 : -1;
}

static int col_mac(PGresult *r, int row, int col, uint8_t mac[MAC_LEN])
{
	return PQgetisnull(r, row, col) ? -1 : mac_parse(PQgetvalue(r, row, col), mac);
}

/* A BYTEA in hex ("\x0102..."): its length in bytes, or -1. */
static ssize_t bytea_len(PGresult *r, int row, int col)
{
	const char *v = PQgetvalue(r, row, col);
	int n = PQgetlength(r, row, col);

	if (PQgetisnull(r, row, col) || n < 2 || v[0] != '\\' || v[1] != 'x' ||
	    (n - 2) % 2)
		return -1;
	return (n - 2) / 2;
}

static int col_blob(PGresult *r, int row, int col, void *out, size_t len)
{
	if (bytea_len(r, row, col) != (ssize_t)len)
		return -1;
	return len ? hex_parse(PQgetvalue(r, row, col) + 2, out, len) : 0;
}

static int col_dup(PGresult *r, int row, int col, uint8_t **out, size_t *len)
{
	ssize_t n = bytea_len(r, row, col);

	if (n < 0)
		return -EIO;
	*out = malloc(n > 0 ? (size_t)n : 1);
	if (!*out)
		return -ENOMEM;
	*len = (size_t)n;
	if (n && hex_parse(PQgetvalue(r, row, col) + 2, *out, (size_t)n))
		return -EIO;
	return 0;
}

/* A PN column: 0 to 2^31 (a damaged value counts as all used). */
static uint32_t col_pn(PGresult *r, int row, int col)
{
	int64_t v = col_int(r, row, col);

	return v >= 0 && v <= STORE_PN_SPACE ? (uint32_t)v : STORE_PN_SPACE;
}

/* Frees a result that held keys, wiped first. */
static void clear_secret(PGresult *r)
{
	for (int row = 0; row < PQntuples(r); row++)
		for (int col = 0; col < PQnfields(r); col++)
			OPENSSL_cleanse(PQgetvalue(r, row, col),
					(size_t)PQgetlength(r, row, col));
	PQclear(r);
}

/* ---- open, close ---- */

/* "PostgreSQL HOST/DBNAME" from the URI, for lines before a connection. */
static void name_from_uri(struct pg_store *st, const char *uri)
{
	PQconninfoOption *opts = PQconninfoParse(uri, NULL);
	const char *host = NULL, *db = NULL;

	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (!strcmp(o->keyword, "host") && o->val)
			host = o->val;
		else if (!strcmp(o->keyword, "hostaddr") && o->val && !host)
			host = o->val;
		else if (!strcmp(o->keyword, "dbname") && o->val)
			db = o->val;
	}
	snprintf(st->base.name, sizeof(st->base.name), "PostgreSQL %s/%s",
		 host ? host : "(default host)", db ? db : "(default database)");
	PQconninfoFree(opts);
}

/* What the statements call for their scope: the session's settings. */
static const char scope_functions[] =
	"CREATE OR REPLACE FUNCTION pkmd_zone() RETURNS TEXT"
	" LANGUAGE sql STABLE AS $$ SELECT current_setting('pkmd.zone') $$;"
	"CREATE OR REPLACE FUNCTION pkmd_bs() RETURNS TEXT"
	" LANGUAGE sql STABLE AS $$ SELECT current_setting('pkmd.bs') $$;"
	"CREATE OR REPLACE FUNCTION pkmd_instance() RETURNS TEXT"
	" LANGUAGE sql STABLE AS $$ SELECT current_setting('pkmd.instance') $$;"
	/*
	 * A batch's receive windows (SQL_AK_SET_RX_MANY): an UPDATE by
	 * primary key per window, whatever the planner thinks of a join with
	 * the arrays on a table it has no statistics of yet.  A window only
	 * moves up: two connections commit windows, and the later run's
	 * transaction may take an AK's row first.  An instance that lost its
	 * bs-id's claim fails the whole transaction, and its answers with it.
	 */
	"CREATE OR REPLACE FUNCTION pkmd_ak_set_rx(macs TEXT[], slots INT[],"
	" rxs BIGINT[]) RETURNS VOID LANGUAGE plpgsql AS $$"
	" BEGIN"
	"  IF pkmd_bs() <> '' AND NOT EXISTS (SELECT 1 FROM zone_bss"
	"     WHERE zone = pkmd_zone() AND bs = pkmd_bs()"
	"     AND instance = pkmd_instance()) THEN"
	"   RAISE EXCEPTION 'pkmd: this instance no longer holds its bs-id';"
	"  END IF;"
	"  FOR i IN 1 .. coalesce(array_length(macs, 1), 0) LOOP"
	"   UPDATE aks SET rx_next = GREATEST(rx_next, rxs[i])"
	"    WHERE zone = pkmd_zone() AND bs = pkmd_bs()"
	"    AND mac = macs[i] AND slot = slots[i];"
	"  END LOOP;"
	" END $$;";

/*
 * Creates or upgrades the schema, under an advisory lock: BSs that share
 * the database may start at once.  Schema 1 only ever existed on SQLite;
 * the path is the same.
 */
static int schema_setup(struct pg_store *st)
{
	char sql[128];
	PGresult *r;
	int version = 0;

	if (exec_plain(st, "BEGIN", "begin") ||
	    exec_plain(st, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")",
		       "schema lock") ||
	    exec_plain(st, "CREATE TABLE IF NOT EXISTS pkmd_schema"
			   " (version INTEGER NOT NULL)", "schema version"))
		goto fail;
	r = PQexec(st->conn, "SELECT max(version) FROM pkmd_schema");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		log_conn_error(st, "schema version");
		goto fail;
	}
	if (!PQgetisnull(r, 0, 0))
		version = (int)col_int(r, 0, 0);
	PQclear(r);
	if (version < 0 || version > STORE_SCHEMA_VERSION) {
		log_err("database %s: schema version %d, this pkmd knows up to %d",
			st->base.name, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	snprintf(sql, sizeof(sql), "DELETE FROM pkmd_schema;"
		 " INSERT INTO pkmd_schema VALUES (%d)", STORE_SCHEMA_VERSION);
	if ((version == 1 &&
	     exec_plain(st, store_migrate_1_to_2_pg, "schema 1 to 2")) ||
	    (version >= 1 && version < 3 &&
	     exec_plain(st, store_migrate_2_to_3_pg, "schema 2 to 3")) ||
	    (version >= 1 && version < 4 &&
	     exec_plain(st, store_migrate_3_to_4_pg, "schema 3 to 4")) ||
	    exec_plain(st, store_schema_pg, "schema") ||
	    exec_plain(st, scope_functions, "pkmd_zone(), pkmd_bs()") ||
	    exec_plain(st, sql, "schema version") ||
	    exec_plain(st, "COMMIT", "commit"))
		goto fail;
	if (version == 1)
		log_notice("database %s: schema 1 upgraded to %d; the TEKs it held count as used up: they stay in use while the kernel has them and are replaced by new ones where it lacks them",
			   st->base.name, STORE_SCHEMA_VERSION);
	else if (version >= 1 && version < STORE_SCHEMA_VERSION)
		log_notice("database %s: schema %d upgraded to %d", st->base.name,
			   version, STORE_SCHEMA_VERSION);
	return 0;

fail:
	rollback(st);
	return -EIO;
}

/*
 * A zone starts in a database of its own (zones.rst): one whose rows
 * belong to a BS outside any zone is refused, rather than its
 * subscribers and keys silently left out of sight.
 */
static int zone_of_one_rows(struct pg_store *st)
{
	PGresult *r = PQexec(st->conn,
			     "SELECT (SELECT count(*) FROM subscribers WHERE zone = '')"
			     " + (SELECT count(*) FROM sas WHERE zone = '')");
	long long n = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (n == 0)
		return 0;
	if (n < 0)
		log_conn_error(st, "rows outside any zone");
	else
		log_err("database %s: it holds the subscribers or SAs of a BS in no zone; a zone starts in a database of its own",
			st->base.name);
	return -EIO;
}

static void pg_close(struct store *base)
{
	struct pg_store *st = to_pg(base);

	batch_commit(st);
	for (int i = 1; i < PIPE_LANES; i++)
		if (st->lanes[i].conn)
			PQfinish(st->lanes[i].conn);
	free(st->rx.w);
	free(st->staged.w);
	PQfinish(st->conn);
	if (st->listener)
		PQfinish(st->listener);
	if (st->uri) {
		OPENSSL_cleanse(st->uri, strlen(st->uri));
		free(st->uri);
	}
	free(st);
}

int store_pg_open(const char *uri, const char *zone, const char *bs,
		  uint32_t failover_ms, struct store **out)
{
	const char *keys[ZONE_PARAMS_MAX], *values[ZONE_PARAMS_MAX];
	struct pg_store *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->base.ops = &pg_ops;
	str_copy(st->base.zone, sizeof(st->base.zone), zone);
	str_copy(st->base.bs, sizeof(st->base.bs), bs);
	name_from_uri(st, uri);
	st->uri = strdup(uri);
	st->failover_ms = failover_ms;
	conn_params(st, "pkmd", keys, values);
	st->conn = PQconnectdbParams(keys, values, 1);
	if (!st->conn || !st->uri || store_instance_new(&st->base)) {
		pg_close(&st->base);
		return -ENOMEM;
	}
	if (PQstatus(st->conn) != CONNECTION_OK) {
		log_conn_error(st, "cannot connect");
		goto fail;
	}
	snprintf(st->base.name, sizeof(st->base.name), "PostgreSQL %s/%s",
		 PQhost(st->conn), PQdb(st->conn));
	PQsetNoticeReceiver(st->conn, on_notice, st);
	/* no "relation already exists, skipping" for each table */
	if (exec_plain(st, "SET client_min_messages = warning", "client_min_messages") ||
	    schema_setup(st) || session_setup(st))
		goto fail;
	if (zone[0] && zone_of_one_rows(st))
		goto fail;
	log_info("database %s: connected (server %d)", st->base.name,
		 PQserverVersion(st->conn));
	*out = &st->base;
	return 0;

fail:
	pg_close(&st->base);
	return -EIO;
}

/* ---- subscribers ---- */

static int pg_subscriber_add(struct store *base, const struct store_subscriber *s)
{
	struct params p = { 0 };

	p_text(&p, s->cn);
	p_mac(&p, s->mac);
	p_text(&p, s->provider);
	p_int(&p, s->services);
	p_int(&p, s->revoked);
	p_int(&p, s->created);
	return run(to_pg(base), SQL_SUBSCRIBER_ADD, &p, NULL, "add subscriber");
}

static int pg_subscriber_revoke(struct store *base, const char *cn)
{
	struct params p = { 0 };

	struct pg_store *st = to_pg(base);
	int err;

	p_text(&p, cn);
	if (begin(st))
		return -EIO;
	err = run_change(st, SQL_SUBSCRIBER_REVOKE, &p, "revoke subscriber");
	if (!err)
		err = run(st, SQL_REPLACE_PUT, &p, NULL, "revoke subscriber");
	if (err) {
		rollback(st);
		return err;
	}
	return commit(st);
}

static int pg_subscriber_each(struct store *base,
			      int (*cb)(void *arg, const struct store_subscriber *s),
			      void *arg)
{
	struct params p = { 0 };
	struct store_subscriber s;
	PGresult *r = NULL;
	int err = run(to_pg(base), SQL_SUBSCRIBER_EACH, &p, &r, "list subscribers");

	for (int i = 0; !err && i < PQntuples(r); i++) {
		memset(&s, 0, sizeof(s));
		if (col_text(r, i, 0, s.cn, sizeof(s.cn)) ||
		    col_mac(r, i, 1, s.mac) ||
		    col_text(r, i, 2, s.provider, sizeof(s.provider))) {
			log_err("database: malformed subscriber row");
			err = -EIO;
			break;
		}
		s.services = (unsigned int)col_int(r, i, 3);
		s.revoked = col_int(r, i, 4) != 0;
		s.created = col_int(r, i, 5);
		err = cb(arg, &s);
	}
	if (r)
		PQclear(r);
	return err;
}

/* ---- group memberships ---- */

static int pg_member_add(struct store *base, uint8_t group, const char *cn)
{
	struct params p = { 0 };

	p_int(&p, group);
	p_text(&p, cn);
	return run(to_pg(base), SQL_MEMBER_ADD, &p, NULL, "add group member");
}

static int pg_member_del(struct store *base, uint8_t group, const char *cn)
{
	struct params p = { 0 };

	p_int(&p, group);
	p_text(&p, cn);
	return run_change(to_pg(base), SQL_MEMBER_DEL, &p, "delete group member");
}

static int pg_member_each(struct store *base,
			  int (*cb)(void *arg, uint8_t group, const char *cn),
			  void *arg)
{
	struct params p = { 0 };
	PGresult *r = NULL;
	int err = run(to_pg(base), SQL_MEMBER_EACH, &p, &r, "list group members");

	for (int i = 0; !err && i < PQntuples(r); i++)
		err = cb(arg, (uint8_t)col_int(r, i, 0), PQgetvalue(r, i, 1));
	PQclear(r);
	return err;
}

/* ---- stations ---- */

static int pg_station_add(struct store *base, const uint8_t mac[MAC_LEN],
			  uint16_t index)
{
	struct params p = { 0 };

	p_mac(&p, mac);
	p_int(&p, index);
	return run_claimed(to_pg(base), SQL_STATION_ADD, &p, "add station");
}

static int pg_station_each(struct store *base,
			   int (*cb)(void *arg, const uint8_t mac[MAC_LEN],
				     uint16_t index),
			   void *arg)
{
	struct params p = { 0 };
	uint8_t mac[MAC_LEN];
	PGresult *r = NULL;
	int err = run(to_pg(base), SQL_STATION_EACH, &p, &r, "list stations");

	for (int i = 0; !err && i < PQntuples(r); i++) {
		if (col_mac(r, i, 0, mac)) {
			log_err("database: malformed station row");
			err = -EIO;
			break;
		}
		err = cb(arg, mac, (uint16_t)col_int(r, i, 1));
	}
	PQclear(r);
	return err;
}

/* ---- SAs and their TEKs ---- */

static int sa_write(struct pg_store *st, const struct store_sa *sa)
{
	struct params p = { 0 };
	int err;

	p_int(&p, sa->said);
	p_int(&p, sa->service);
	p_int(&p, sa->suite);
	if (sa->has_group)
		p_int(&p, sa->group_id);
	else
		p_null(&p);
	if (sa->has_owner)
		p_mac(&p, sa->owner);
	else
		p_null(&p);
	err = run_claimed(st, SQL_SA_PUT, &p, "save SA");
	for (int gen = 0; !err && gen < 2; gen++) {
		const struct store_tek *t = &sa->tek[gen];

		p = (struct params){ 0 };
		p_int(&p, sa->said);
		p_int(&p, gen);
		p_int(&p, t->eks);
		p_blob(&p, t->key, sizeof(t->key));
		p_int(&p, t->expires);
		p_int(&p, t->tx_pn_reserved);
		p_int(&p, t->rx_pn);
		err = run(st, SQL_TEK_PUT, &p, NULL, "save TEK");
	}
	return err;
}

/*
 * A writer's fence (store_lease_fence()), inside the transaction: the
 * lease of the shared SA said is this BS's and unexpired, its row locked
 * until the commit, so that no other BS takes it meanwhile; else -EPERM.
 */
static int lease_held(struct pg_store *st, uint16_t said)
{
	struct params p = { 0 };
	PGresult *r = NULL;
	int err;

	if (!st->base.fence)
		return 0;
	p_int(&p, said);
	if (fence_bound(st, true))
		return -EIO;
	err = run(st, SQL_LEASE_HELD, &p, &r, "lease");
	if (err)
		return err;
	if (fence_bound(st, false)) {
		PQclear(r);
		return -EIO;
	}
	err = PQntuples(r) == 1 ? 0 : -EPERM;
	PQclear(r);
	if (err)
		log_warn("database %s: SAID 0x%04x: this BS does not hold its lease; its write is refused",
			 st->base.name, said);
	return err;
}

static int pg_sa_save(struct store *base, const struct store_sa *sa)
{
	struct pg_store *st = to_pg(base);
	int err;

	if (begin(st))
		return -EIO;
	err = sa->has_owner ? 0 : lease_held(st, sa->said);
	if (!err)
		err = sa_write(st, sa);
	if (err) {
		rollback(st);
		return err;
	}
	return commit(st);
}

static int pg_sa_delete(struct store *base, uint16_t said)
{
	struct params p = { 0 };

	p_int(&p, said);
	return run_change(to_pg(base), SQL_SA_DELETE, &p, "delete SA");
}

static int pg_sa_each(struct store *base,
		      int (*cb)(void *arg, const struct store_sa *sa), void *arg)
{
	struct params p = { 0 };
	struct store_sa sa;
	PGresult *r = NULL;
	int err = run(to_pg(base), SQL_SA_EACH, &p, &r, "list SAs"), have = 0;

	memset(&sa, 0, sizeof(sa));
	for (int i = 0; !err && i < PQntuples(r); i++) {
		uint16_t said = (uint16_t)col_int(r, i, 0);
		int gen = (int)col_int(r, i, 5);
		struct store_tek *t;

		if (have && said != sa.said) {
			log_err("database: SA 0x%04x lacks a TEK generation", sa.said);
			have = 0;
		}
		if (!have) {
			memset(&sa, 0, sizeof(sa));
			sa.said = said;
			sa.service = (uint8_t)col_int(r, i, 1);
			sa.suite = (uint8_t)col_int(r, i, 2);
			sa.has_group = !PQgetisnull(r, i, 3);
			sa.group_id = (uint8_t)col_int(r, i, 3);
			sa.has_owner = !PQgetisnull(r, i, 4);
			if (sa.has_owner && col_mac(r, i, 4, sa.owner)) {
				err = -EIO;
				break;
			}
		}
		if (gen != have) {
			log_err("database: SA 0x%04x: TEK generations out of order", said);
			have = 0;
			continue;
		}
		t = &sa.tek[gen];
		t->eks = (uint8_t)col_int(r, i, 6);
		if (col_blob(r, i, 7, t->key, sizeof(t->key))) {
			log_err("database: SA 0x%04x: malformed TEK", said);
			err = -EIO;
			break;
		}
		t->expires = col_int(r, i, 8);
		t->tx_pn_reserved = col_pn(r, i, 9);
		t->rx_pn = col_pn(r, i, 10);
		if (++have == 2) {
			err = cb(arg, &sa);
			have = 0;
		}
	}
	if (r)
		clear_secret(r);
	OPENSSL_cleanse(&sa, sizeof(sa));
	return err;
}

static int pg_tek_set_pn(struct store *base, uint16_t said, uint8_t eks,
			 uint32_t tx_pn_reserved, uint32_t rx_pn)
{
	struct params p = { 0 };

	p_int(&p, said);
	p_int(&p, eks);
	p_int(&p, tx_pn_reserved);
	p_int(&p, rx_pn);
	return run_change(to_pg(base), SQL_TEK_SET_PN, &p,
			  "update TEK packet numbers");
}

/* ---- AKs ---- */

static int pg_ak_save(struct store *base, const struct store_ak *ak)
{
	struct params p = { 0 };

	p_mac(&p, ak->mac);
	p_int(&p, ak->slot);
	p_int(&p, ak->seq);
	p_blob(&p, ak->ak, sizeof(ak->ak));
	p_int(&p, ak->expires);
	p_int(&p, ak->tx_pn_reserved);
	p_int(&p, (int64_t)ak->rx_next);
	p_blob(&p, ak->nonce, sizeof(ak->nonce));
	return run_claimed(to_pg(base), SQL_AK_PUT, &p, "save AK");
}

static int pg_ak_promote(struct store *base, const uint8_t mac[MAC_LEN])
{
	struct pg_store *st = to_pg(base);
	struct params p = { 0 };
	int err;

	p_mac(&p, mac);
	if (begin(st))
		return -EIO;
	err = run(st, SQL_AK_DELETE_ACTIVE, &p, NULL, "promote AK");
	if (!err)
		err = run(st, SQL_AK_PROMOTE, &p, NULL, "promote AK");
	if (err) {
		rollback(st);
		return err;
	}
	return commit(st);
}

static int pg_ak_delete(struct store *base, const uint8_t mac[MAC_LEN])
{
	struct params p = { 0 };

	p_mac(&p, mac);
	return run(to_pg(base), SQL_AK_DELETE, &p, NULL, "delete AKs");
}

static int ak_set(struct pg_store *st, enum store_sql id,
		  const uint8_t mac[MAC_LEN], uint8_t slot, int64_t value)
{
	struct params p = { 0 };

	p_mac(&p, mac);
	p_int(&p, slot);
	p_int(&p, value);
	return run(st, id, &p, NULL, "update AK counters");
}

/*
 * Group commit (control-plane.rst, "Persistence"): between
 * store_batch_begin() and the batch's end the receive windows of Key
 * Requests are kept here, the last one of each AK, and go to the server
 * as one transaction: BEGIN, one UPDATE of them all (SQL_AK_SET_RX_MANY),
 * COMMIT, sent at once in libpq's pipeline mode, so that the server
 * never waits on the daemon inside the transaction (and its
 * idle_in_transaction_session_timeout cannot end a healthy one).  One
 * WAL flush for the batch, where a statement per window cost a round
 * trip each.
 *
 * store_batch_end() sends the transaction and waits for its COMMIT.
 * store_batch_send() sends it and returns: the caller handles the next
 * run of requests while the server commits this one, and holds this
 * run's answers until done() says its COMMIT came back.  Two connections
 * ("lanes", the store's own and one more) commit windows, one
 * transaction on each at a time, so that one server process runs a
 * transaction while the other waits for its WAL flush; the batches
 * ended while both are busy are staged, and go together as the next
 * transaction once one is free, so that slow commits make the next one
 * larger rather than the queue longer.  Outcomes are told in the order
 * of the batches, whichever lane committed first, and only once the
 * next transaction is sent, so that the server has work while the
 * daemon sends the answers.
 *
 * Any other statement waits for the commits on their way and commits
 * the staged and open batches' windows first, so every other change still
 * reaches the disk after the windows before it, as on SQLite.  A batch
 * some of whose windows failed to be committed fails whatever came
 * after.
 */

static int rx_keep(struct rx_windows *s, const struct rx_window *w, bool merge)
{
	struct rx_window *to = NULL;

	for (size_t i = 0; merge && i < s->n && !to; i++)
		if (s->w[i].slot == w->slot && !memcmp(s->w[i].mac, w->mac, MAC_LEN))
			to = &s->w[i];
	if (!to) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			struct rx_window *p = realloc(s->w, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			s->w = p;
			s->cap = cap;
		}
		to = &s->w[s->n++];
	}
	*to = *w;
	return 0;
}

/* The windows as the three array parameters of SQL_AK_SET_RX_MANY. */
struct rx_arrays {
	char *macs, *slots, *rxs;
};

static void rx_arrays_free(struct rx_arrays *a)
{
	free(a->macs);
	free(a->slots);
	free(a->rxs);
}

/*
 * {02:16:00:00:00:11,...}, {0,...}, {9223372036854775807,...}; an AK
 * twice (two staged batches) is updated twice, the later window last.
 */
static int rx_arrays_make(const struct rx_window *w, size_t n,
			  struct params *p, struct rx_arrays *a)
{
	char *m, *sl, *r;

	a->macs = malloc(n * MAC_STR_LEN + 3);
	a->slots = malloc(n * 4 + 3);
	a->rxs = malloc(n * 21 + 3);
	if (!a->macs || !a->slots || !a->rxs)
		return -ENOMEM;
	m = a->macs;
	sl = a->slots;
	r = a->rxs;
	*m++ = *sl++ = *r++ = '{';
	for (size_t i = 0; i < n; i++) {
		char sep = i + 1 < n ? ',' : '}';

		mac_format(w[i].mac, m);
		m += MAC_STR_LEN - 1;
		*m++ = sep;
		sl += sprintf(sl, "%u%c", w[i].slot, sep);
		r += sprintf(r, "%" PRId64 "%c", (int64_t)w[i].rx_next, sep);
	}
	*m = '\0';
	p_text(p, a->macs);
	p_text(p, a->slots);
	p_text(p, a->rxs);
	return 0;
}

/*
 * What each transaction on its way sends, and so what comes back, in
 * order: a result (r) for BEGIN, for the UPDATE and for COMMIT, each
 * followed by a NULL, and a sync (s).  After a failed statement the
 * server skips the rest up to the sync (PGRES_PIPELINE_ABORTED) and
 * leaves the transaction aborted: lane_finish() rolls it back before the
 * lane's next one.
 */
static const char pipe_script[] = "rrrs";

/* An outcome for done(), kept until the next transaction is sent. */
static void outcome_add(struct pg_store *st, int batches, bool ok)
{
	struct pipe_outcome *last = st->n_outcomes ?
		&st->outcomes[st->n_outcomes - 1] : NULL;

	if (!batches)
		return;
	if (last && last->ok == ok) {
		last->batches += batches;
		return;
	}
	if (st->n_outcomes == PIPE_OUTCOMES_MAX)
		pipe_deliver(st);
	st->outcomes[st->n_outcomes++] = (struct pipe_outcome){ batches, ok };
}

/* done() for the decided batches, in order. */
static void pipe_deliver(struct pg_store *st)
{
	while (st->n_outcomes) {
		struct pipe_outcome o = st->outcomes[0];

		memmove(st->outcomes, st->outcomes + 1,
			--st->n_outcomes * sizeof(*st->outcomes));
		for (int i = 0; i < o.batches; i++)
			st->base.batch_done(st->base.batch_done_arg, o.ok);
	}
}

/* The transactions decided, oldest first, become outcomes in order. */
static void pipe_settle(struct pg_store *st)
{
	while (st->n_pipe && st->pipe[0].decided) {
		struct pipe_tx tx = st->pipe[0];

		memmove(st->pipe, st->pipe + 1, --st->n_pipe * sizeof(*st->pipe));
		st->pipe_last_ok = tx.ok && tx.committed;
		if (!st->pipe_last_ok && tx.has_open)
			st->batch_failed = true;
		outcome_add(st, tx.batches, st->pipe_last_ok);
	}
}

static struct pipe_tx *lane_tx(struct pg_store *st, int lane)
{
	for (int i = 0; i < st->n_pipe; i++)
		if (st->pipe[i].lane == lane && !st->pipe[i].decided)
			return &st->pipe[i];
	return NULL;
}

/*
 * The lane's transaction is decided: the lane leaves the pipeline (or
 * is reset before its next use, if it broke) and takes another.
 */
static void lane_finish(struct pg_store *st, int lane, bool ok)
{
	struct pipe_lane *l = &st->lanes[lane];
	struct pipe_tx *tx = lane_tx(st, lane);

	l->busy = false;
	l->after_result = false;
	ok = ok && tx && tx->ok && tx->committed;
	if (!l->broken && PQstatus(l->conn) == CONNECTION_OK) {
		if (!PQexitPipelineMode(l->conn)) {
			l->broken = true;
			ok = false;
		} else if (!ok && PQtransactionStatus(l->conn) != PQTRANS_IDLE) {
			PQclear(PQexec(l->conn, "ROLLBACK"));
		}
	}
	if (tx) {
		tx->decided = true;
		tx->ok = ok;
	}
	if (lane == 0)
		st->pipe_broken = l->broken;
}

/* The lane's connection failed, or answered what was not asked. */
static void lane_lost(struct pg_store *st, int lane, const char *what)
{
	struct pipe_lane *l = &st->lanes[lane];
	char buf[256];

	log_err("database %s: %s (commit connection %d): %s; its receive windows are not saved",
		st->base.name, what, lane + 1,
		one_line(PQerrorMessage(l->conn), buf, sizeof(buf)));
	l->broken = true;
	lane_finish(st, lane, false);
}

/*
 * Reads the results of the lane's transaction, waiting for them or not.
 * It succeeded only if every result of pipe_script came and was good,
 * the last a COMMIT that committed.
 */
static void lane_read(struct pg_store *st, int lane, bool wait)
{
	struct pipe_lane *l = &st->lanes[lane];
	char buf[256];

	while (l->busy) {
		struct pipe_tx *tx = lane_tx(st, lane);
		char want = pipe_script[tx->step];
		ExecStatusType status;
		PGresult *r;

		if (!wait && (!PQconsumeInput(l->conn) ||
			      PQstatus(l->conn) != CONNECTION_OK)) {
			lane_lost(st, lane, "connection lost");
			return;
		}
		if (!wait && PQisBusy(l->conn))
			return;
		r = PQgetResult(l->conn);
		if (PQstatus(l->conn) != CONNECTION_OK) {
			PQclear(r);
			lane_lost(st, lane, "connection lost");
			return;
		}
		if (l->after_result) {
			l->after_result = false;
			if (!r)
				continue;
		}
		status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		if (!r || (want == 's') != (status == PGRES_PIPELINE_SYNC)) {
			/* not what libpq gives for what was sent */
			PQclear(r);
			lane_lost(st, lane, "receive windows: unexpected result");
			return;
		}
		tx->step++;
		if (want == 'r') {
			l->after_result = true;
			if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
				if (tx->ok && status != PGRES_PIPELINE_ABORTED)
					log_err("database %s: receive windows: %s", st->base.name,
						one_line(PQresultErrorMessage(r), buf, sizeof(buf)));
				tx->ok = false;
			} else if (!strchr(pipe_script + tx->step, 'r')) {
				tx->committed = !strcmp(PQcmdStatus(r), "COMMIT");
				if (!tx->committed && tx->ok)
					log_err("database %s: commit: rolled back", st->base.name);
			}
		}
		PQclear(r);
		if (!pipe_script[tx->step])
			lane_finish(st, lane, true);
	}
}

/* Results of every lane, waiting for all of them or for none. */
static void pipe_read(struct pg_store *st, bool wait)
{
	for (int i = 0; i < PIPE_LANES; i++)
		lane_read(st, i, wait);
	pipe_settle(st);
}

static bool pipe_busy(const struct pg_store *st)
{
	for (int i = 0; i < PIPE_LANES; i++)
		if (st->lanes[i].busy)
			return true;
	return false;
}

static void on_lane_notice(void *arg, const PGresult *r)
{
	struct pg_store *st = arg;
	char buf[256];

	log_debug("database %s: %s", st->base.name,
		  one_line(PQresultErrorMessage(r), buf, sizeof(buf)));
}

/*
 * A lane's connection of its own, set up as the main one; after a
 * failure it is tried again after BACKOFF_MAX_MS.  0 or -EIO.
 */
static int lane_connect(struct pg_store *st, struct pipe_lane *l)
{
	const char *keys[ZONE_PARAMS_MAX], *values[ZONE_PARAMS_MAX];
	PGconn *main_conn = st->conn;
	int64_t now = now_mono_ms();
	int err = -EIO;

	if (now < l->retry_at_ms)
		return -EIO;
	if (l->conn)
		PQfinish(l->conn);
	conn_params(st, "pkmd", keys, values);
	l->conn = PQconnectdbParams(keys, values, 1);
	if (l->conn && PQstatus(l->conn) == CONNECTION_OK) {
		PQsetNoticeReceiver(l->conn, on_lane_notice, st);
		/* session_setup() sets up st->conn */
		st->conn = l->conn;
		err = exec_plain(st, "SET client_min_messages = warning",
				 "client_min_messages") || session_setup(st) ? -EIO : 0;
		st->conn = main_conn;
	}
	if (err) {
		log_warn("database %s: no second connection for commits; one does", st->base.name);
		l->retry_at_ms = now + BACKOFF_MAX_MS;
		return err;
	}
	l->broken = false;
	return 0;
}

static int window_order(const void *a, const void *b)
{
	const struct rx_window *x = a, *y = b;
	int c = memcmp(x->mac, y->mac, MAC_LEN);

	if (c || x->slot != y->slot)
		return c ? c : (int)x->slot - (int)y->slot;
	/* an AK twice: the later window, the higher, is written last */
	return (x->rx_next > y->rx_next) - (x->rx_next < y->rx_next);
}

/*
 * Sends the windows w[0..n) as one transaction (pipe_script) on the
 * lane, without waiting; its outcome goes to batches done() calls.
 * The windows go sorted, so that the lanes' transactions lock the rows
 * they share in the same order.  0, or -EIO when it could not be sent.
 */
static int pipe_send(struct pg_store *st, int lane, struct rx_window *w,
		     size_t n, int batches, bool has_open)
{
	struct pipe_lane *l = &st->lanes[lane];
	struct params p = { 0 };
	struct rx_arrays a = { 0 };
	char name[24];
	bool sent;

	if (lane == 0) {
		st->pipe_broken = l->broken;
		if (ensure_connection(st))
			return -EIO;
		l->conn = st->conn;
		l->broken = false;
	}
	qsort(w, n, sizeof(*w), window_order);
	if (rx_arrays_make(w, n, &p, &a)) {
		rx_arrays_free(&a);
		return -EIO;
	}
	stmt_name(SQL_AK_SET_RX_MANY, name);
	sent = PQenterPipelineMode(l->conn) &&
	       PQsendQueryParams(l->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) &&
	       PQsendQueryPrepared(l->conn, name, p.n, p.values, NULL, NULL, 0) &&
	       PQsendQueryParams(l->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) &&
	       PQpipelineSync(l->conn);
	rx_arrays_free(&a);
	if (!sent) {
		/* some of it may have gone: the connection's state is unknown */
		log_conn_error(st, "receive windows");
		l->broken = true;
		if (lane == 0)
			st->pipe_broken = true;
		return -EIO;
	}
	st->pipe[st->n_pipe++] = (struct pipe_tx){
		.lane = lane, .batches = batches, .has_open = has_open, .ok = true,
	};
	l->busy = true;
	return 0;
}

/*
 * A lane free to take a transaction now, or -1: the main connection's
 * first, another once its connection is set up (lane_connect()), and no
 * more transactions waiting for an older one than there is room for.
 */
static int lane_free(struct pg_store *st)
{
	if (st->n_pipe >= PIPE_TX_MAX)
		return -1;
	if (!st->lanes[0].busy)
		return 0;
	for (int i = 1; i < PIPE_LANES; i++) {
		struct pipe_lane *l = &st->lanes[i];

		if (l->busy)
			continue;
		if (l->conn && !l->broken && PQstatus(l->conn) == CONNECTION_OK)
			return i;
		if (!lane_connect(st, l))
			return i;
	}
	return -1;
}

/*
 * The staged batches that could not be sent fail, but after the
 * transactions on their way, which are older: an outcome decides the
 * oldest answers held (kernel_settle()), so told first it would drop an
 * older run's answers and let its own go with the older run's commit.
 */
static void pipe_fail_staged(struct pg_store *st, int staged, bool has_open)
{
	if (!staged && !has_open)
		return;
	if (st->n_pipe == PIPE_TX_MAX)
		pipe_read(st, true);
	st->pipe[st->n_pipe++] = (struct pipe_tx){
		.lane = -1, .batches = staged, .has_open = has_open,
		.decided = true,
	};
	pipe_settle(st);
}

/*
 * The staged batches and the windows w[0..n) (none, or those of more
 * batches) as the next transaction, on the lane.  0, or -EIO when it
 * cannot go: the staged batches fail.
 */
static int pipe_send_staged(struct pg_store *st, int lane,
			    const struct rx_window *w, size_t n, int batches,
			    bool has_open)
{
	int staged = st->n_staged;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = rx_keep(&st->staged, &w[i], false);
	st->n_staged = 0;
	if (!err && st->staged.n)
		err = pipe_send(st, lane, st->staged.w, st->staged.n,
				staged + batches, has_open);
	st->staged.n = 0;
	if (err) {
		pipe_fail_staged(st, staged, has_open);
		return -EIO;
	}
	return 0;
}

/*
 * Commits everything kept: waits for the transactions on their way,
 * then sends the staged batches' windows and the open batch's as one
 * more on the main connection and waits for it.  0, or -EIO if that
 * failed (the open batch's windows are then not on disk: batch_failed).
 */
static int batch_commit(struct pg_store *st)
{
	bool has_open = st->rx.n > 0;
	int err = 0;

	pipe_read(st, true);
	if (st->n_staged || has_open) {
		st->pipe_last_ok = false;
		if (pipe_send_staged(st, 0, st->rx.w, st->rx.n, 0, has_open) &&
		    has_open)
			st->batch_failed = true;
		st->rx.n = 0;
		pipe_read(st, true);
		err = st->pipe_last_ok ? 0 : -EIO;
	}
	pipe_deliver(st);
	return err;
}

static void pg_batch_begin(struct store *base)
{
	struct pg_store *st = to_pg(base);

	st->batch = true;
	st->batch_failed = false;
}

static int pg_batch_end(struct store *base)
{
	struct pg_store *st = to_pg(base);
	int err;

	if (st->batch_failed)
		st->rx.n = 0;
	err = batch_commit(st);
	st->batch = false;
	if (st->batch_failed)
		err = -EIO;
	st->batch_failed = false;
	return err;
}

/*
 * A transaction on each lane's connection at most: one server process
 * runs a transaction's UPDATE while another waits for its WAL flush.
 * Past that, batches are staged for the first lane free.
 */
static int pg_batch_send(struct store *base)
{
	struct pg_store *st = to_pg(base);
	bool failed = st->batch_failed;
	int err = 0, lane;

	st->batch = false;
	st->batch_failed = false;
	if (failed) {
		st->rx.n = 0;
		return -EIO;
	}
	if (!st->rx.n)
		return 0;
	/* the results that came meanwhile, which may free a lane */
	pipe_read(st, false);
	lane = lane_free(st);
	if (lane >= 0) {
		err = pipe_send_staged(st, lane, st->rx.w, st->rx.n, 1, false);
	} else {
		for (size_t i = 0; i < st->rx.n && !err; i++)
			err = rx_keep(&st->staged, &st->rx.w[i], false);
		if (!err)
			st->n_staged++;
	}
	st->rx.n = 0;
	/* the decided batches are told once the server has work again */
	pipe_deliver(st);
	return err ? -EIO : 1;
}

/* The connection of the oldest transaction on its way: its result is due first. */
static int pg_batch_fd(struct store *base)
{
	struct pg_store *st = to_pg(base);

	for (int i = 0; i < st->n_pipe; i++)
		if (!st->pipe[i].decided)
			return PQsocket(st->lanes[st->pipe[i].lane].conn);
	return -1;
}

static void pg_batch_poll(struct store *base)
{
	struct pg_store *st = to_pg(base);
	int lane;

	pipe_read(st, false);
	if (st->n_staged && (lane = lane_free(st)) >= 0)
		pipe_send_staged(st, lane, NULL, 0, 0, false);
	pipe_deliver(st);
}

/*
 * In a batch the window is kept for its commit.  The batch's first
 * window sets up a connection the server closed since the last
 * statement, as a statement would (or fails at once while the server
 * cannot be reached); a connection lost after it fails the batch when
 * it is seen, as a statement of an open transaction would, and at the
 * batch's commit in any case.  It is looked at (a poll()) once a
 * millisecond at most: a run's windows come microseconds apart.  While
 * a commit is on its way, its results tell.  Outside a batch the window
 * is committed on return.
 */
static int pg_ak_set_rx(struct store *base, const uint8_t mac[MAC_LEN],
			uint8_t slot, uint64_t rx_next)
{
	struct pg_store *st = to_pg(base);
	struct rx_window w = { .slot = slot, .rx_next = rx_next };
	int64_t now;

	if (!st->batch)
		return ak_set(st, SQL_AK_SET_RX, mac, slot, (int64_t)rx_next);
	now = now_mono_ms();
	if (pipe_busy(st) || st->n_staged) {
		/* the pipeline's results say whether the connection is up */
	} else if (!st->batch_failed && !st->rx.n) {
		if (ensure_connection(st))
			st->batch_failed = true;
	} else if (!st->batch_failed && now != st->looked_ms &&
		   !connection_up(st)) {
		log_err("database %s: connection lost in a batch; its receive windows are not saved",
			st->base.name);
		st->batch_failed = true;
	}
	st->looked_ms = now;
	if (st->batch_failed) {
		st->rx.n = 0;
		return -EIO;
	}
	memcpy(w.mac, mac, MAC_LEN);
	return rx_keep(&st->rx, &w, true);
}

static int pg_ak_set_tx(struct store *base, const uint8_t mac[MAC_LEN],
			uint8_t slot, uint32_t tx_pn_reserved)
{
	return ak_set(to_pg(base), SQL_AK_SET_TX, mac, slot, tx_pn_reserved);
}

static int pg_ak_each(struct store *base,
		      int (*cb)(void *arg, const struct store_ak *ak), void *arg)
{
	struct params p = { 0 };
	struct store_ak ak;
	PGresult *r = NULL;
	int err = run(to_pg(base), SQL_AK_EACH, &p, &r, "list AKs");

	for (int i = 0; !err && i < PQntuples(r); i++) {
		memset(&ak, 0, sizeof(ak));
		if (col_mac(r, i, 0, ak.mac) ||
		    col_blob(r, i, 3, ak.ak, sizeof(ak.ak)) ||
		    col_blob(r, i, 7, ak.nonce, sizeof(ak.nonce))) {
			log_err("database: malformed AK row");
			err = -EIO;
			break;
		}
		ak.slot = (uint8_t)col_int(r, i, 1);
		ak.seq = (uint8_t)col_int(r, i, 2);
		ak.expires = col_int(r, i, 4);
		ak.tx_pn_reserved = (uint32_t)col_int(r, i, 5);
		ak.rx_next = (uint64_t)col_int(r, i, 6);
		err = cb(arg, &ak);
	}
	if (r)
		clear_secret(r);
	OPENSSL_cleanse(&ak, sizeof(ak));
	return err;
}

/* ---- group key trees ---- */

static int pg_group_tree_save(struct store *base, const struct store_group_tree *t,
			      const struct store_sa *sa)
{
	struct pg_store *st = to_pg(base);
	struct params p = { 0 };
	int err;

	if (begin(st))
		return -EIO;
	p_int(&p, t->group_id);
	p_blob(&p, t->tree, t->tree_len);
	p_blob(&p, t->members, t->members_len);
	p_blob(&p, t->rekey, t->rekey_len);
	err = t->said || sa ? lease_held(st, sa ? sa->said : t->said) : 0;
	if (!err)
		err = run(st, SQL_TREE_PUT, &p, NULL, "save group tree");
	if (!err && sa)
		err = sa_write(st, sa);
	if (err) {
		rollback(st);
		return err;
	}
	return commit(st);
}

static int pg_group_tree_load(struct store *base, uint8_t group,
			      struct store_group_tree *t)
{
	struct params p = { 0 };
	PGresult *r = NULL;
	int err;

	memset(t, 0, sizeof(*t));
	t->group_id = group;
	p_int(&p, group);
	err = run(to_pg(base), SQL_TREE_LOAD, &p, &r, "load group tree");
	if (err)
		return err;
	if (PQntuples(r) == 0)
		err = -ENOENT;
	else if (col_dup(r, 0, 0, &t->tree, &t->tree_len) ||
		 col_dup(r, 0, 1, &t->members, &t->members_len) ||
		 col_dup(r, 0, 2, &t->rekey, &t->rekey_len))
		err = -EIO;
	else
		t->version = (uint64_t)col_int(r, 0, 3);
	clear_secret(r);
	if (err)
		store_group_tree_free(t);
	return err;
}

static int pg_group_tree_delete(struct store *base, uint8_t group)
{
	struct params p = { 0 };

	p_int(&p, group);
	return run(to_pg(base), SQL_TREE_DELETE, &p, NULL, "delete group tree");
}

static int pg_group_tree_versions(struct store *base,
				  int (*cb)(void *arg, uint8_t group,
					    uint64_t version),
				  void *arg)
{
	struct params p = { 0 };
	PGresult *r = NULL;
	int err = run(to_pg(base), SQL_TREE_VERSIONS, &p, &r, "list group trees");

	for (int i = 0; !err && i < PQntuples(r); i++)
		err = cb(arg, (uint8_t)col_int(r, i, 0), (uint64_t)col_int(r, i, 1));
	PQclear(r);
	return err;
}

/* ---- zones ---- */

static int pg_tek_take_pns(struct store *base, uint16_t said,
			   const uint8_t id[STORE_PN_ID_LEN], uint32_t block,
			   uint32_t *start)
{
	struct pg_store *st = to_pg(base);
	struct params p = { 0 };
	PGresult *r = NULL;
	int64_t end = -1;
	int err;

	p_int(&p, said);
	p_blob(&p, id, STORE_PN_ID_LEN);
	p_int(&p, block);
	err = run(st, SQL_TEK_PN_TAKE, &p, &r, "take PNs");
	if (err)
		return err;
	if (PQntuples(r) == 1)
		end = col_int(r, 0, 0);
	PQclear(r);
	if (end > STORE_PN_SPACE || end < block)
		return -ENOSPC;
	*start = (uint32_t)(end - block);
	return 0;
}

static int pg_lease_take(struct store *base, uint16_t said, uint32_t lease_ms,
			 char holder[CONFIG_ZONE_NAME_MAX + 1])
{
	struct pg_store *st = to_pg(base);
	struct params p = { 0 };
	PGresult *r = NULL;
	int err, held;

	p_int(&p, said);
	p_int(&p, lease_ms);
	err = run(st, SQL_LEASE_TAKE, &p, &r, "take lease");
	if (err)
		return err;
	held = PQntuples(r) == 1;
	PQclear(r);
	if (held || !holder)
		return held;
	holder[0] = '\0';
	p = (struct params){ 0 };
	p_int(&p, said);
	if (!run(st, SQL_LEASE_HOLDER, &p, &r, "lease holder")) {
		if (PQntuples(r) == 1)
			col_text(r, 0, 0, holder, CONFIG_ZONE_NAME_MAX + 1);
		PQclear(r);
	}
	return 0;
}

static int pg_lease_release(struct store *base, uint16_t said)
{
	struct params p = { 0 };

	p_int(&p, said);
	return run(to_pg(base), SQL_LEASE_RELEASE, &p, NULL, "release lease");
}

/* Notifications: "ZONE KIND ID BS" on the channel pkmd_zone. */
#define ZONE_CHANNEL	"pkmd_zone"

static int pg_zone_notify(struct store *base, const char *kind, unsigned int id)
{
	struct pg_store *st = to_pg(base);
	char payload[2 * CONFIG_ZONE_NAME_MAX + 48];
	const char *values[1] = { payload };
	PGresult *r;
	bool ok;

	if (batch_commit(st) || ensure_connection(st))
		return -EIO;
	snprintf(payload, sizeof(payload), "%s %s %u %s", st->base.zone, kind,
		 id, st->base.bs);
	r = PQexecParams(st->conn, "SELECT pg_notify('" ZONE_CHANNEL "', $1)",
			 1, NULL, values, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	if (!ok)
		log_conn_error(st, "notify");
	return ok ? 0 : -EIO;
}

static int pg_zone_listen(struct store *base, int *fd)
{
	const char *keys[ZONE_PARAMS_MAX], *values[ZONE_PARAMS_MAX];
	struct pg_store *st = to_pg(base);
	PGresult *r;
	bool ok;

	conn_params(st, "pkmd-listen", keys, values);
	if (st->listener)
		PQfinish(st->listener);
	st->listener = PQconnectdbParams(keys, values, 1);
	if (!st->listener)
		return -ENOMEM;
	if (PQstatus(st->listener) != CONNECTION_OK) {
		char buf[256];

		log_err("database %s: listener: cannot connect: %s", st->base.name,
			one_line(PQerrorMessage(st->listener), buf, sizeof(buf)));
		PQfinish(st->listener);
		st->listener = NULL;
		return -EIO;
	}
	r = PQexec(st->listener, "LISTEN " ZONE_CHANNEL);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok || PQsetnonblocking(st->listener, 1)) {
		PQfinish(st->listener);
		st->listener = NULL;
		return -EIO;
	}
	*fd = PQsocket(st->listener);
	return 0;
}

static int pg_zone_notifications(struct store *base,
				 void (*cb)(void *arg, const char *kind,
					    unsigned int id),
				 void *arg)
{
	struct pg_store *st = to_pg(base);
	size_t zone_len = strlen(st->base.zone);
	PGnotify *n;

	if (!st->listener)
		return -EIO;
	if (!PQconsumeInput(st->listener) ||
	    PQstatus(st->listener) != CONNECTION_OK) {
		PQfinish(st->listener);
		st->listener = NULL;
		return -EIO;
	}
	while ((n = PQnotifies(st->listener))) {
		char kind[16], from[CONFIG_ZONE_NAME_MAX + 1];
		unsigned int id;

		/* another zone's, this BS's own, or not pkmd's: ignored */
		if (!strncmp(n->extra, st->base.zone, zone_len) &&
		    n->extra[zone_len] == ' ' &&
		    sscanf(n->extra + zone_len + 1, "%15s %u %63s", kind, &id,
			   from) == 3 &&
		    strcmp(from, st->base.bs))
			cb(arg, kind, id);
		PQfreemem(n);
	}
	return 0;
}

static int pg_join_add(struct store *base, uint8_t group, const char *cn,
		       const uint8_t ikey[STORE_KEY_LEN], int64_t asked)
{
	struct params p = { 0 };

	p_int(&p, group);
	p_text(&p, cn);
	p_blob(&p, ikey, STORE_KEY_LEN);
	p_int(&p, asked);
	return run_claimed(to_pg(base), SQL_JOIN_PUT, &p, "save join");
}

static int pg_join_each(struct store *base, uint8_t group,
			int (*cb)(void *arg, const struct store_join *j),
			void *arg)
{
	struct params p = { 0 };
	struct store_join j;
	PGresult *r = NULL;
	int err;

	p_int(&p, group);
	err = run(to_pg(base), SQL_JOIN_EACH, &p, &r, "list joins");
	for (int i = 0; !err && i < PQntuples(r); i++) {
		memset(&j, 0, sizeof(j));
		if (col_text(r, i, 0, j.cn, sizeof(j.cn)) ||
		    col_blob(r, i, 1, j.ikey, sizeof(j.ikey)) ||
		    col_text(r, i, 2, j.bs, sizeof(j.bs))) {
			log_err("database: malformed join row");
			err = -EIO;
			break;
		}
		j.allowed = col_int(r, i, 3) == 1;
		err = cb(arg, &j);
	}
	if (r)
		clear_secret(r);
	OPENSSL_cleanse(&j, sizeof(j));
	return err;
}

static int pg_join_delete(struct store *base, uint8_t group, const char *cn,
			  const uint8_t ikey[STORE_KEY_LEN])
{
	struct params p = { 0 };

	p_int(&p, group);
	p_text(&p, cn);
	p_blob(&p, ikey, STORE_KEY_LEN);
	return run(to_pg(base), SQL_JOIN_DELETE, &p, NULL, "delete join");
}

static int pg_zone_ak_current(struct store *base, const uint8_t mac[MAC_LEN],
			      int64_t now)
{
	struct params p = { 0 };
	PGresult *r = NULL;
	int err, n;

	p_mac(&p, mac);
	p_int(&p, now);
	err = run(to_pg(base), SQL_ZONE_AK_CURRENT, &p, &r, "zone AKs");
	if (err)
		return err;
	n = PQntuples(r) == 1 ? (int)col_int(r, 0, 0) : 0;
	PQclear(r);
	return n > 0;
}

static int pg_zone_sa_check(struct store *base, const struct store_zone_sa *c,
			    struct store_zone_sa *zone)
{
	struct pg_store *st = to_pg(base);
	struct params p = { 0 };
	PGresult *r = NULL;
	int err;

	p_int(&p, c->said);
	p_int(&p, c->service);
	p_int(&p, c->suite);
	if (c->has_group)
		p_int(&p, c->group_id);
	else
		p_null(&p);
	p_int(&p, c->tree);
	p_int(&p, c->tree_degree);
	err = run(st, SQL_ZONE_SA_PUT, &p, NULL, "zone SA configuration");
	if (err)
		return err;
	p = (struct params){ 0 };
	p_int(&p, c->said);
	err = run(st, SQL_ZONE_SA_GET, &p, &r, "zone SA configuration");
	if (err)
		return err;
	memset(zone, 0, sizeof(*zone));
	if (PQntuples(r) != 1) {
		err = -ENOENT;
	} else {
		zone->service = (uint8_t)col_int(r, 0, 0);
		zone->suite = (uint8_t)col_int(r, 0, 1);
		zone->has_group = !PQgetisnull(r, 0, 2);
		zone->group_id = (uint8_t)col_int(r, 0, 2);
		zone->tree = (uint8_t)col_int(r, 0, 3);
		zone->tree_degree = (uint8_t)col_int(r, 0, 4);
	}
	PQclear(r);
	return err;
}

static int pg_zone_claim(struct store *base, uint32_t stale_ms)
{
	struct params p = { 0 };
	PGresult *r = NULL;
	int err, held;

	p_int(&p, stale_ms);
	err = run(to_pg(base), SQL_BS_CLAIM, &p, &r, "claim bs-id");
	if (err)
		return err;
	held = PQntuples(r) == 1;
	PQclear(r);
	return held;
}

static int pg_zone_unclaim(struct store *base)
{
	struct params p = { 0 };

	return run(to_pg(base), SQL_BS_UNCLAIM, &p, NULL, "give bs-id up");
}

static int pg_replace_each(struct store *base,
			   int (*cb)(void *arg, uint16_t said, const char *cn),
			   void *arg)
{
	struct params p = { 0 };
	PGresult *r = NULL;
	int err = run(to_pg(base), SQL_REPLACE_EACH, &p, &r, "list replacements");

	for (int i = 0; !err && i < PQntuples(r); i++)
		err = cb(arg, (uint16_t)col_int(r, i, 0), PQgetvalue(r, i, 1));
	if (r)
		PQclear(r);
	return err;
}

static int pg_replace_done(struct store *base, uint16_t said, const char *cn)
{
	struct params p = { 0 };

	p_int(&p, said);
	p_text(&p, cn);
	return run(to_pg(base), SQL_REPLACE_DONE, &p, NULL, "replacement done");
}

static const struct store_ops pg_ops = {
	.close = pg_close,
	.subscriber_add = pg_subscriber_add,
	.subscriber_revoke = pg_subscriber_revoke,
	.subscriber_each = pg_subscriber_each,
	.member_add = pg_member_add,
	.member_del = pg_member_del,
	.member_each = pg_member_each,
	.station_add = pg_station_add,
	.station_each = pg_station_each,
	.sa_save = pg_sa_save,
	.sa_delete = pg_sa_delete,
	.tek_set_pn = pg_tek_set_pn,
	.sa_each = pg_sa_each,
	.ak_save = pg_ak_save,
	.ak_promote = pg_ak_promote,
	.ak_delete = pg_ak_delete,
	.ak_set_rx = pg_ak_set_rx,
	.ak_set_tx = pg_ak_set_tx,
	.batch_begin = pg_batch_begin,
	.batch_end = pg_batch_end,
	.batch_send = pg_batch_send,
	.batch_fd = pg_batch_fd,
	.batch_poll = pg_batch_poll,
	.ak_each = pg_ak_each,
	.group_tree_save = pg_group_tree_save,
	.group_tree_load = pg_group_tree_load,
	.group_tree_delete = pg_group_tree_delete,
	.group_tree_versions = pg_group_tree_versions,
	.tek_take_pns = pg_tek_take_pns,
	.lease_take = pg_lease_take,
	.lease_release = pg_lease_release,
	.zone_notify = pg_zone_notify,
	.zone_listen = pg_zone_listen,
	.zone_notifications = pg_zone_notifications,
	.join_add = pg_join_add,
	.join_each = pg_join_each,
	.join_delete = pg_join_delete,
	.zone_ak_current = pg_zone_ak_current,
	.zone_sa_check = pg_zone_sa_check,
	.zone_claim = pg_zone_claim,
	.zone_unclaim = pg_zone_unclaim,
	.replace_each = pg_replace_each,
	.replace_done = pg_replace_done,
};
