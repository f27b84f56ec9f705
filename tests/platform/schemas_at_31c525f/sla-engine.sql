CREATE TABLE sla.alembic_version (
    version_num character varying(32) NOT NULL
);

CREATE TABLE sla.dead_letters (
    id bigint NOT NULL,
    consumer text NOT NULL,
    stream text NOT NULL,
    stream_sequence bigint NOT NULL,
    subject text NOT NULL,
    event_id text,
    event_type text,
    reason text NOT NULL,
    deliveries integer NOT NULL,
    payload bytea NOT NULL,
    headers jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE SEQUENCE sla.dead_letters_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE sla.dead_letters_id_seq OWNED BY sla.dead_letters.id;

CREATE TABLE sla.inbox (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    handled_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE sla.module_switch (
    id integer NOT NULL,
    ticket_system_enabled boolean NOT NULL,
    changed_at timestamp with time zone NOT NULL,
    CONSTRAINT module_switch_single_row CHECK ((id = 1))
);

CREATE SEQUENCE sla.module_switch_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE sla.module_switch_id_seq OWNED BY sla.module_switch.id;

CREATE TABLE sla.outbox (
    id bigint NOT NULL,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    subject text NOT NULL,
    payload bytea NOT NULL,
    headers jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE SEQUENCE sla.outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE sla.outbox_id_seq OWNED BY sla.outbox.id;

CREATE TABLE sla.outbox_retained (
    id bigint NOT NULL,
    published_at timestamp with time zone DEFAULT now() NOT NULL,
    event_ids uuid[] NOT NULL,
    subjects text[] NOT NULL,
    payloads bytea[] NOT NULL,
    headers text[] NOT NULL
);

CREATE SEQUENCE sla.outbox_retained_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE sla.outbox_retained_id_seq OWNED BY sla.outbox_retained.id;

CREATE TABLE sla.sla_definitions (
    id uuid NOT NULL,
    name text NOT NULL,
    response_hours integer,
    resolution_hours integer,
    priority_override text,
    description text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sla_definitions_priority_override CHECK ((priority_override = ANY (ARRAY['low'::text, 'medium'::text, 'high'::text, 'critical'::text]))),
    CONSTRAINT sla_definitions_resolution_hours CHECK ((resolution_hours > 0)),
    CONSTRAINT sla_definitions_response_hours CHECK ((response_hours > 0))
);

CREATE TABLE sla.ticket_timers (
    ticket_id uuid NOT NULL,
    ticket jsonb NOT NULL,
    ticket_updated_at timestamp with time zone NOT NULL,
    started_at timestamp with time zone NOT NULL,
    sla_id uuid,
    response_due_at timestamp with time zone,
    resolution_due_at timestamp with time zone,
    responded_at timestamp with time zone,
    response_warned_at timestamp with time zone,
    response_breached_at timestamp with time zone,
    resolution_warned_at timestamp with time zone,
    resolution_breached_at timestamp with time zone,
    next_check_at timestamp with time zone,
    deleted_at timestamp with time zone
);

ALTER TABLE ONLY sla.dead_letters ALTER COLUMN id SET DEFAULT nextval('sla.dead_letters_id_seq'::regclass);

ALTER TABLE ONLY sla.module_switch ALTER COLUMN id SET DEFAULT nextval('sla.module_switch_id_seq'::regclass);

ALTER TABLE ONLY sla.outbox ALTER COLUMN id SET DEFAULT nextval('sla.outbox_id_seq'::regclass);

ALTER TABLE ONLY sla.outbox_retained ALTER COLUMN id SET DEFAULT nextval('sla.outbox_retained_id_seq'::regclass);

INSERT INTO sla.alembic_version VALUES ('0004');

SELECT pg_catalog.setval('sla.dead_letters_id_seq', 1, false);

SELECT pg_catalog.setval('sla.module_switch_id_seq', 1, false);

SELECT pg_catalog.setval('sla.outbox_id_seq', 1, false);

SELECT pg_catalog.setval('sla.outbox_retained_id_seq', 1, false);

ALTER TABLE ONLY sla.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY sla.dead_letters
    ADD CONSTRAINT dead_letters_consumer_stream_stream_sequence_key UNIQUE (consumer, stream, stream_sequence);

ALTER TABLE ONLY sla.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);

ALTER TABLE ONLY sla.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (consumer, event_id);

ALTER TABLE ONLY sla.module_switch
    ADD CONSTRAINT module_switch_pkey PRIMARY KEY (id);

ALTER TABLE ONLY sla.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);

ALTER TABLE ONLY sla.outbox_retained
    ADD CONSTRAINT outbox_retained_pkey PRIMARY KEY (id);

ALTER TABLE ONLY sla.sla_definitions
    ADD CONSTRAINT sla_definitions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY sla.ticket_timers
    ADD CONSTRAINT ticket_timers_pkey PRIMARY KEY (ticket_id);

CREATE INDEX inbox_handled_at ON sla.inbox USING btree (handled_at);

CREATE UNIQUE INDEX sla_definitions_name_key ON sla.sla_definitions USING btree (lower(name));

CREATE INDEX ticket_timers_next_check ON sla.ticket_timers USING btree (next_check_at) WHERE (next_check_at IS NOT NULL);
