CREATE TABLE mail.alembic_version (
    version_num character varying(32) NOT NULL
);

CREATE TABLE mail.dead_letters (
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

CREATE SEQUENCE mail.dead_letters_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE mail.dead_letters_id_seq OWNED BY mail.dead_letters.id;

CREATE TABLE mail.inbox (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    handled_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE mail.outbox (
    id bigint NOT NULL,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    subject text NOT NULL,
    payload bytea NOT NULL,
    headers jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE SEQUENCE mail.outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE mail.outbox_id_seq OWNED BY mail.outbox.id;

CREATE TABLE mail.outbox_retained (
    id bigint NOT NULL,
    published_at timestamp with time zone DEFAULT now() NOT NULL,
    event_ids uuid[] NOT NULL,
    subjects text[] NOT NULL,
    payloads bytea[] NOT NULL,
    headers text[] NOT NULL
);

CREATE SEQUENCE mail.outbox_retained_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE mail.outbox_retained_id_seq OWNED BY mail.outbox_retained.id;

ALTER TABLE ONLY mail.dead_letters ALTER COLUMN id SET DEFAULT nextval('mail.dead_letters_id_seq'::regclass);

ALTER TABLE ONLY mail.outbox ALTER COLUMN id SET DEFAULT nextval('mail.outbox_id_seq'::regclass);

ALTER TABLE ONLY mail.outbox_retained ALTER COLUMN id SET DEFAULT nextval('mail.outbox_retained_id_seq'::regclass);

INSERT INTO mail.alembic_version VALUES ('0002');

SELECT pg_catalog.setval('mail.dead_letters_id_seq', 1, false);

SELECT pg_catalog.setval('mail.outbox_id_seq', 1, false);

SELECT pg_catalog.setval('mail.outbox_retained_id_seq', 1, false);

ALTER TABLE ONLY mail.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY mail.dead_letters
    ADD CONSTRAINT dead_letters_consumer_stream_stream_sequence_key UNIQUE (consumer, stream, stream_sequence);

ALTER TABLE ONLY mail.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);

ALTER TABLE ONLY mail.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (consumer, event_id);

ALTER TABLE ONLY mail.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);

ALTER TABLE ONLY mail.outbox_retained
    ADD CONSTRAINT outbox_retained_pkey PRIMARY KEY (id);

CREATE INDEX inbox_handled_at ON mail.inbox USING btree (handled_at);
