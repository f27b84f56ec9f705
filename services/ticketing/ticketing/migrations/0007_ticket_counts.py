"""The queue's tab counts, kept by triggers instead of counted at every read (see tickets/counts.py).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEY = "department_id, status, priority, assignee_id, type_id, customer_id"

TABLE = """
CREATE TABLE ticket_counts (
    department_id uuid,
    status text NOT NULL,
    priority text NOT NULL,
    assignee_id uuid,
    type_id uuid,
    customer_id uuid,
    tickets bigint NOT NULL,
    settled boolean NOT NULL DEFAULT false
)
"""
# One key's settled total; the triggers' rows wait, unsettled, for tickets.counts.settle_counts.
SETTLED_KEY = f"""
CREATE UNIQUE INDEX ticket_counts_settled_key ON ticket_counts ({KEY}) NULLS NOT DISTINCT WHERE settled
"""
UNSETTLED = "CREATE INDEX ticket_counts_unsettled ON ticket_counts (settled) WHERE NOT settled"

# The functions keep the service's schema as their search path (the migration's), so that a statement
# on tickets from any session (an administrator's fix by hand) counts too.
# Statement-level, over the transition tables: a bulk close of 500 tickets appends one row per key
# it changed, not 1,000 rows. Only appends, so writers never wait on each other's counts.
COUNTER = f"""
CREATE FUNCTION count_tickets() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_counts ({KEY}, tickets)
        SELECT {KEY}, count(*) FROM added GROUP BY {KEY};
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO ticket_counts ({KEY}, tickets)
        SELECT {KEY}, -count(*) FROM removed GROUP BY {KEY};
    ELSE
        INSERT INTO ticket_counts ({KEY}, tickets)
        SELECT {KEY}, sum(change)
        FROM (SELECT {KEY}, 1 AS change FROM added
              UNION ALL
              SELECT {KEY}, -1 AS change FROM removed) AS changes
        GROUP BY {KEY}
        HAVING sum(change) <> 0;
    END IF;
    RETURN NULL;
END
$$
"""
FORGETTER = """
CREATE FUNCTION forget_ticket_counts() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM ticket_counts;
    RETURN NULL;
END
$$
"""
TRIGGERS = (
    """CREATE TRIGGER tickets_counted_insert AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_tickets()""",
    """CREATE TRIGGER tickets_counted_update AFTER UPDATE ON tickets
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_tickets()""",
    """CREATE TRIGGER tickets_counted_delete AFTER DELETE ON tickets
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION count_tickets()""",
    """CREATE TRIGGER tickets_counted_truncate AFTER TRUNCATE ON tickets
    FOR EACH STATEMENT EXECUTE FUNCTION forget_ticket_counts()""",
)
# In the migration's transaction, behind a lock that holds writers off until it commits: no ticket
# is counted twice or missed.
BACKFILL = (
    "LOCK TABLE tickets IN SHARE MODE",
    f"INSERT INTO ticket_counts ({KEY}, tickets, settled)"
    f" SELECT {KEY}, count(*), true FROM tickets GROUP BY {KEY}",
)

DOWNGRADE = (
    "DROP TRIGGER tickets_counted_truncate ON tickets",
    "DROP TRIGGER tickets_counted_delete ON tickets",
    "DROP TRIGGER tickets_counted_update ON tickets",
    "DROP TRIGGER tickets_counted_insert ON tickets",
    "DROP FUNCTION forget_ticket_counts()",
    "DROP FUNCTION count_tickets()",
    "DROP TABLE ticket_counts",
)


def upgrade() -> None:
    # One statement per call: the driver prepares each, and a prepared statement holds only one.
    for statement in (TABLE, SETTLED_KEY, UNSETTLED, COUNTER, FORGETTER, *TRIGGERS, *BACKFILL):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
