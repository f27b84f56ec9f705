CREATE TABLE identity.alembic_version (
    version_num character varying(32) NOT NULL
);

CREATE TABLE identity.api_tokens (
    id uuid NOT NULL,
    token_hash text NOT NULL,
    prefix text NOT NULL,
    name text NOT NULL,
    operator_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone
);

CREATE TABLE identity.dead_letters (
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

CREATE SEQUENCE identity.dead_letters_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE identity.dead_letters_id_seq OWNED BY identity.dead_letters.id;

CREATE TABLE identity.department_memberships (
    operator_id uuid NOT NULL,
    department_id uuid NOT NULL
);

CREATE TABLE identity.inbox (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    handled_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE identity.operator_roles (
    operator_id uuid NOT NULL,
    role_id uuid NOT NULL
);

CREATE TABLE identity.operators (
    id uuid NOT NULL,
    username text NOT NULL,
    email text NOT NULL,
    display_name text NOT NULL,
    default_department_id uuid,
    active boolean DEFAULT true NOT NULL,
    password_hash text NOT NULL,
    flags text[] DEFAULT '{}'::text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE identity.outbox (
    id bigint NOT NULL,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    subject text NOT NULL,
    payload bytea NOT NULL,
    headers jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE SEQUENCE identity.outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE identity.outbox_id_seq OWNED BY identity.outbox.id;

CREATE TABLE identity.outbox_retained (
    id bigint NOT NULL,
    published_at timestamp with time zone DEFAULT now() NOT NULL,
    event_ids uuid[] NOT NULL,
    subjects text[] NOT NULL,
    payloads bytea[] NOT NULL,
    headers text[] NOT NULL
);

CREATE SEQUENCE identity.outbox_retained_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE identity.outbox_retained_id_seq OWNED BY identity.outbox_retained.id;

CREATE TABLE identity.roles (
    id uuid NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    flags text[] DEFAULT '{}'::text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE identity.sessions (
    token_hash text NOT NULL,
    csrf_hash text NOT NULL,
    operator_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    address text,
    user_agent text
);

CREATE TABLE identity.sign_in_addresses (
    operator_id uuid NOT NULL,
    address text NOT NULL,
    last_signed_in_at timestamp with time zone NOT NULL
);

CREATE TABLE identity.sign_in_devices (
    token_hash text NOT NULL,
    operator_id uuid NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

CREATE TABLE identity.sign_in_throttles (
    scope text NOT NULL,
    username text NOT NULL,
    source text NOT NULL,
    failures integer NOT NULL,
    last_failure_at timestamp with time zone NOT NULL,
    locked_until timestamp with time zone
);

ALTER TABLE ONLY identity.dead_letters ALTER COLUMN id SET DEFAULT nextval('identity.dead_letters_id_seq'::regclass);

ALTER TABLE ONLY identity.outbox ALTER COLUMN id SET DEFAULT nextval('identity.outbox_id_seq'::regclass);

ALTER TABLE ONLY identity.outbox_retained ALTER COLUMN id SET DEFAULT nextval('identity.outbox_retained_id_seq'::regclass);

INSERT INTO identity.alembic_version VALUES ('0004');

SELECT pg_catalog.setval('identity.dead_letters_id_seq', 1, false);

SELECT pg_catalog.setval('identity.outbox_id_seq', 1, false);

SELECT pg_catalog.setval('identity.outbox_retained_id_seq', 1, false);

ALTER TABLE ONLY identity.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY identity.api_tokens
    ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity.api_tokens
    ADD CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY identity.dead_letters
    ADD CONSTRAINT dead_letters_consumer_stream_stream_sequence_key UNIQUE (consumer, stream, stream_sequence);

ALTER TABLE ONLY identity.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity.department_memberships
    ADD CONSTRAINT department_memberships_pkey PRIMARY KEY (operator_id, department_id);

ALTER TABLE ONLY identity.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (consumer, event_id);

ALTER TABLE ONLY identity.operator_roles
    ADD CONSTRAINT operator_roles_pkey PRIMARY KEY (operator_id, role_id);

ALTER TABLE ONLY identity.operators
    ADD CONSTRAINT operators_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity.outbox_retained
    ADD CONSTRAINT outbox_retained_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity.roles
    ADD CONSTRAINT roles_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (token_hash);

ALTER TABLE ONLY identity.sign_in_addresses
    ADD CONSTRAINT sign_in_addresses_pkey PRIMARY KEY (operator_id, address);

ALTER TABLE ONLY identity.sign_in_devices
    ADD CONSTRAINT sign_in_devices_pkey PRIMARY KEY (token_hash, operator_id);

ALTER TABLE ONLY identity.sign_in_throttles
    ADD CONSTRAINT sign_in_throttles_pkey PRIMARY KEY (scope, username, source);

CREATE INDEX api_tokens_operator ON identity.api_tokens USING btree (operator_id);

CREATE INDEX inbox_handled_at ON identity.inbox USING btree (handled_at);

CREATE UNIQUE INDEX operators_email_key ON identity.operators USING btree (lower(email));

CREATE UNIQUE INDEX operators_username_key ON identity.operators USING btree (lower(username));

CREATE UNIQUE INDEX roles_name_key ON identity.roles USING btree (lower(name));

CREATE INDEX sessions_operator ON identity.sessions USING btree (operator_id);

CREATE INDEX sign_in_devices_operator ON identity.sign_in_devices USING btree (operator_id);

CREATE INDEX sign_in_throttles_last_failure ON identity.sign_in_throttles USING btree (last_failure_at);

ALTER TABLE ONLY identity.api_tokens
    ADD CONSTRAINT api_tokens_operator_id_fkey FOREIGN KEY (operator_id) REFERENCES identity.operators(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity.operator_roles
    ADD CONSTRAINT operator_roles_operator_id_fkey FOREIGN KEY (operator_id) REFERENCES identity.operators(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity.operator_roles
    ADD CONSTRAINT operator_roles_role_id_fkey FOREIGN KEY (role_id) REFERENCES identity.roles(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity.sessions
    ADD CONSTRAINT sessions_operator_id_fkey FOREIGN KEY (operator_id) REFERENCES identity.operators(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity.sign_in_addresses
    ADD CONSTRAINT sign_in_addresses_operator_id_fkey FOREIGN KEY (operator_id) REFERENCES identity.operators(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity.sign_in_devices
    ADD CONSTRAINT sign_in_devices_operator_id_fkey FOREIGN KEY (operator_id) REFERENCES identity.operators(id) ON DELETE CASCADE;
