CREATE FUNCTION ticketing.count_tickets() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'ticketing'
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_counts (department_id, status, priority, assignee_id, type_id, customer_id, tickets)
        SELECT department_id, status, priority, assignee_id, type_id, customer_id, count(*) FROM added GROUP BY department_id, status, priority, assignee_id, type_id, customer_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO ticket_counts (department_id, status, priority, assignee_id, type_id, customer_id, tickets)
        SELECT department_id, status, priority, assignee_id, type_id, customer_id, -count(*) FROM removed GROUP BY department_id, status, priority, assignee_id, type_id, customer_id;
    ELSE
        INSERT INTO ticket_counts (department_id, status, priority, assignee_id, type_id, customer_id, tickets)
        SELECT department_id, status, priority, assignee_id, type_id, customer_id, sum(change)
        FROM (SELECT department_id, status, priority, assignee_id, type_id, customer_id, 1 AS change FROM added
              UNION ALL
              SELECT department_id, status, priority, assignee_id, type_id, customer_id, -1 AS change FROM removed) AS changes
        GROUP BY department_id, status, priority, assignee_id, type_id, customer_id
        HAVING sum(change) <> 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION ticketing.forget_ticket_counts() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'ticketing'
    AS $$
BEGIN
    DELETE FROM ticket_counts;
    RETURN NULL;
END
$$;

CREATE TABLE ticketing.alembic_version (
    version_num character varying(32) NOT NULL
);

CREATE TABLE ticketing.attachments (
    id uuid NOT NULL,
    ticket_id uuid NOT NULL,
    comment_id uuid,
    name text NOT NULL,
    size bigint NOT NULL,
    content_type text NOT NULL,
    object_name text NOT NULL,
    origin text NOT NULL,
    uploaded_by_id uuid,
    uploaded_by_name text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT attachments_origin CHECK ((origin = ANY (ARRAY['upload'::text, 'email'::text, 'comment'::text])))
);

CREATE TABLE ticketing.comments (
    id uuid NOT NULL,
    ticket_id uuid NOT NULL,
    direction text NOT NULL,
    author_id uuid,
    author_name text DEFAULT ''::text NOT NULL,
    body_html text NOT NULL,
    body_text text NOT NULL,
    message_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT comments_direction CHECK ((direction = ANY (ARRAY['internal'::text, 'outbound'::text, 'inbound'::text])))
);

CREATE TABLE ticketing.contact_devices (
    contact_id uuid NOT NULL,
    device_id uuid NOT NULL
);

CREATE TABLE ticketing.contacts (
    id uuid NOT NULL,
    first_name text DEFAULT ''::text NOT NULL,
    last_name text DEFAULT ''::text NOT NULL,
    email text NOT NULL,
    phone text DEFAULT ''::text NOT NULL,
    "position" text DEFAULT ''::text NOT NULL,
    customer_id uuid,
    department_id uuid,
    notes text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE ticketing.customers (
    id uuid NOT NULL,
    company_name text NOT NULL,
    address text DEFAULT ''::text NOT NULL,
    tenant_id uuid,
    sla_id uuid,
    ticket_number_prefix text,
    notes text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE ticketing.dead_letters (
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

CREATE SEQUENCE ticketing.dead_letters_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE ticketing.dead_letters_id_seq OWNED BY ticketing.dead_letters.id;

CREATE TABLE ticketing.department_members (
    department_id uuid NOT NULL,
    operator_id uuid NOT NULL
);

CREATE TABLE ticketing.departments (
    id uuid NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    auto_assign_on_open boolean DEFAULT false NOT NULL,
    customer_id uuid,
    cleanup_close_inactive_days integer,
    cleanup_close_statuses text[] DEFAULT '{}'::text[] NOT NULL,
    cleanup_close_note text DEFAULT ''::text NOT NULL,
    cleanup_delete_closed_after_days integer,
    cleanup_delete_attachment_files boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE ticketing.devices (
    id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    attributes jsonb DEFAULT '{}'::jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE ticketing.idempotency_keys (
    operator_id uuid NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    status_code integer,
    media_type text,
    body bytea,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE ticketing.inbox (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    handled_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE ticketing.labels (
    id uuid NOT NULL,
    name text NOT NULL,
    color text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE ticketing.module_settings (
    id integer NOT NULL,
    ticket_system_enabled boolean DEFAULT false NOT NULL,
    ticket_number_prefix text DEFAULT 'TKT'::text NOT NULL,
    blocked_extensions text[] DEFAULT '{.app,.application,.appref-ms,.appx,.appxbundle,.bat,.cab,.chm,.cmd,.com,.command,.cpl,.dll,.dmg,.drv,.exe,.gadget,.hlp,.hta,.img,.inf,.ins,.iso,.isp,.jar,.jnlp,.js,.jse,.library-ms,.lnk,.msc,.msh,.msh1,.msh1xml,.msh2,.msh2xml,.mshxml,.msi,.msix,.msixbundle,.msp,.mst,.ocx,.pif,.pkg,.ps1,.ps1xml,.ps2,.ps2xml,.psc1,.psc2,.psd1,.psm1,.reg,.scf,.scr,.sct,.settingcontent-ms,.sys,.url,.vb,.vbe,.vbs,.vhd,.vhdx,.ws,.wsc,.wsf,.wsh}'::text[] NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    CONSTRAINT module_settings_single_row CHECK ((id = 1))
);

CREATE SEQUENCE ticketing.module_settings_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE ticketing.module_settings_id_seq OWNED BY ticketing.module_settings.id;

CREATE TABLE ticketing.operators (
    id uuid NOT NULL,
    username text NOT NULL,
    email text NOT NULL,
    display_name text NOT NULL,
    active boolean NOT NULL,
    default_department_id uuid
);

CREATE TABLE ticketing.outbox (
    id bigint NOT NULL,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    subject text NOT NULL,
    payload bytea NOT NULL,
    headers jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE SEQUENCE ticketing.outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE ticketing.outbox_id_seq OWNED BY ticketing.outbox.id;

CREATE TABLE ticketing.outbox_retained (
    id bigint NOT NULL,
    published_at timestamp with time zone DEFAULT now() NOT NULL,
    event_ids uuid[] NOT NULL,
    subjects text[] NOT NULL,
    payloads bytea[] NOT NULL,
    headers text[] NOT NULL
);

CREATE SEQUENCE ticketing.outbox_retained_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE ticketing.outbox_retained_id_seq OWNED BY ticketing.outbox_retained.id;

CREATE TABLE ticketing.read_markers (
    operator_id uuid NOT NULL,
    ticket_id uuid NOT NULL,
    read_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE ticketing.sla_definitions (
    id uuid NOT NULL,
    name text NOT NULL,
    response_hours integer,
    resolution_hours integer,
    priority_override text
);

CREATE TABLE ticketing.templates (
    id uuid NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    subject text DEFAULT ''::text NOT NULL,
    body_html text DEFAULT ''::text NOT NULL,
    body_text text DEFAULT ''::text NOT NULL,
    author_id uuid,
    author_name text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT templates_kind CHECK ((kind = ANY (ARRAY['email'::text, 'ticket'::text])))
);

CREATE TABLE ticketing.tenants (
    id uuid NOT NULL,
    name text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE ticketing.ticket_counts (
    department_id uuid,
    status text NOT NULL,
    priority text NOT NULL,
    assignee_id uuid,
    type_id uuid,
    customer_id uuid,
    tickets bigint NOT NULL,
    settled boolean DEFAULT false NOT NULL
);

CREATE TABLE ticketing.ticket_history (
    id bigint NOT NULL,
    ticket_id uuid NOT NULL,
    actor_id uuid,
    actor_name text DEFAULT ''::text NOT NULL,
    field text NOT NULL,
    old_value text,
    new_value text,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE SEQUENCE ticketing.ticket_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE ticketing.ticket_history_id_seq OWNED BY ticketing.ticket_history.id;

CREATE TABLE ticketing.ticket_labels (
    ticket_id uuid NOT NULL,
    label_id uuid NOT NULL
);

CREATE TABLE ticketing.ticket_types (
    id uuid NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE ticketing.tickets (
    id uuid NOT NULL,
    number text NOT NULL,
    title text NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    priority text DEFAULT 'medium'::text NOT NULL,
    source text DEFAULT 'manual'::text NOT NULL,
    department_id uuid,
    assignee_id uuid,
    contact_id uuid,
    contact_email text,
    customer_id uuid,
    sla_id uuid,
    response_due_at timestamp with time zone,
    resolution_due_at timestamp with time zone,
    type_id uuid,
    created_by_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    last_activity_at timestamp with time zone DEFAULT now() NOT NULL,
    closed_at timestamp with time zone,
    first_response_at timestamp with time zone,
    last_message_direction text,
    last_message_at timestamp with time zone,
    search_text text DEFAULT ''::text NOT NULL,
    CONSTRAINT tickets_priority CHECK ((priority = ANY (ARRAY['low'::text, 'medium'::text, 'high'::text, 'critical'::text]))),
    CONSTRAINT tickets_source CHECK ((source = ANY (ARRAY['manual'::text, 'email'::text]))),
    CONSTRAINT tickets_status CHECK ((status = ANY (ARRAY['open'::text, 'in_progress'::text, 'waiting'::text, 'resolved'::text, 'closed'::text])))
);

ALTER TABLE ONLY ticketing.dead_letters ALTER COLUMN id SET DEFAULT nextval('ticketing.dead_letters_id_seq'::regclass);

ALTER TABLE ONLY ticketing.module_settings ALTER COLUMN id SET DEFAULT nextval('ticketing.module_settings_id_seq'::regclass);

ALTER TABLE ONLY ticketing.outbox ALTER COLUMN id SET DEFAULT nextval('ticketing.outbox_id_seq'::regclass);

ALTER TABLE ONLY ticketing.outbox_retained ALTER COLUMN id SET DEFAULT nextval('ticketing.outbox_retained_id_seq'::regclass);

ALTER TABLE ONLY ticketing.ticket_history ALTER COLUMN id SET DEFAULT nextval('ticketing.ticket_history_id_seq'::regclass);

INSERT INTO ticketing.alembic_version VALUES ('0010');

INSERT INTO ticketing.module_settings VALUES (1, false, 'TKT', '{.app,.application,.appref-ms,.appx,.appxbundle,.bat,.cab,.chm,.cmd,.com,.command,.cpl,.dll,.dmg,.drv,.exe,.gadget,.hlp,.hta,.img,.inf,.ins,.iso,.isp,.jar,.jnlp,.js,.jse,.library-ms,.lnk,.msc,.msh,.msh1,.msh1xml,.msh2,.msh2xml,.mshxml,.msi,.msix,.msixbundle,.msp,.mst,.ocx,.pif,.pkg,.ps1,.ps1xml,.ps2,.ps2xml,.psc1,.psc2,.psd1,.psm1,.reg,.scf,.scr,.sct,.settingcontent-ms,.sys,.url,.vb,.vbe,.vbs,.vhd,.vhdx,.ws,.wsc,.wsf,.wsh}', '2026-12-01 22:41:57.04229+00', NULL);

SELECT pg_catalog.setval('ticketing.dead_letters_id_seq', 1, false);

SELECT pg_catalog.setval('ticketing.module_settings_id_seq', 1, false);

SELECT pg_catalog.setval('ticketing.outbox_id_seq', 1, false);

SELECT pg_catalog.setval('ticketing.outbox_retained_id_seq', 1, false);

SELECT pg_catalog.setval('ticketing.ticket_history_id_seq', 1, false);

ALTER TABLE ONLY ticketing.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY ticketing.attachments
    ADD CONSTRAINT attachments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.comments
    ADD CONSTRAINT comments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.contact_devices
    ADD CONSTRAINT contact_devices_pkey PRIMARY KEY (contact_id, device_id);

ALTER TABLE ONLY ticketing.contacts
    ADD CONSTRAINT contacts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.dead_letters
    ADD CONSTRAINT dead_letters_consumer_stream_stream_sequence_key UNIQUE (consumer, stream, stream_sequence);

ALTER TABLE ONLY ticketing.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.department_members
    ADD CONSTRAINT department_members_pkey PRIMARY KEY (department_id, operator_id);

ALTER TABLE ONLY ticketing.departments
    ADD CONSTRAINT departments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.devices
    ADD CONSTRAINT devices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (operator_id, key);

ALTER TABLE ONLY ticketing.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (consumer, event_id);

ALTER TABLE ONLY ticketing.labels
    ADD CONSTRAINT labels_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.module_settings
    ADD CONSTRAINT module_settings_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.operators
    ADD CONSTRAINT operators_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.outbox_retained
    ADD CONSTRAINT outbox_retained_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.read_markers
    ADD CONSTRAINT read_markers_pkey PRIMARY KEY (operator_id, ticket_id);

ALTER TABLE ONLY ticketing.sla_definitions
    ADD CONSTRAINT sla_definitions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.templates
    ADD CONSTRAINT templates_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.tenants
    ADD CONSTRAINT tenants_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.ticket_history
    ADD CONSTRAINT ticket_history_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.ticket_labels
    ADD CONSTRAINT ticket_labels_pkey PRIMARY KEY (ticket_id, label_id);

ALTER TABLE ONLY ticketing.ticket_types
    ADD CONSTRAINT ticket_types_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ticketing.tickets
    ADD CONSTRAINT tickets_number_key UNIQUE (number);

ALTER TABLE ONLY ticketing.tickets
    ADD CONSTRAINT tickets_pkey PRIMARY KEY (id);

CREATE INDEX attachments_ticket ON ticketing.attachments USING btree (ticket_id, created_at);

CREATE UNIQUE INDEX comments_message_id ON ticketing.comments USING btree (message_id);

CREATE INDEX comments_ticket ON ticketing.comments USING btree (ticket_id, created_at);

CREATE INDEX contacts_customer ON ticketing.contacts USING btree (customer_id);

CREATE UNIQUE INDEX contacts_email_key ON ticketing.contacts USING btree (lower(email));

CREATE UNIQUE INDEX customers_company_name_key ON ticketing.customers USING btree (lower(company_name));

CREATE INDEX department_members_operator ON ticketing.department_members USING btree (operator_id);

CREATE INDEX departments_customer ON ticketing.departments USING btree (customer_id);

CREATE UNIQUE INDEX departments_name_key ON ticketing.departments USING btree (lower(name));

CREATE INDEX devices_tenant ON ticketing.devices USING btree (tenant_id);

CREATE INDEX inbox_handled_at ON ticketing.inbox USING btree (handled_at);

CREATE INDEX ix_idempotency_keys_created_at ON ticketing.idempotency_keys USING btree (created_at);

CREATE UNIQUE INDEX labels_name_key ON ticketing.labels USING btree (lower(name));

CREATE INDEX templates_name ON ticketing.templates USING btree (lower(name));

CREATE UNIQUE INDEX ticket_counts_settled_key ON ticketing.ticket_counts USING btree (department_id, status, priority, assignee_id, type_id, customer_id) NULLS NOT DISTINCT WHERE settled;

CREATE INDEX ticket_counts_unsettled ON ticketing.ticket_counts USING btree (settled) WHERE (NOT settled);

CREATE INDEX ticket_history_ticket ON ticketing.ticket_history USING btree (ticket_id, id);

CREATE INDEX ticket_labels_label ON ticketing.ticket_labels USING btree (label_id);

CREATE UNIQUE INDEX ticket_types_name_key ON ticketing.ticket_types USING btree (lower(name));

CREATE INDEX tickets_activity ON ticketing.tickets USING btree (status, last_activity_at);

CREATE INDEX tickets_assignee ON ticketing.tickets USING btree (assignee_id, status);

CREATE INDEX tickets_customer ON ticketing.tickets USING btree (customer_id, status);

CREATE INDEX tickets_department_priority_status ON ticketing.tickets USING btree (department_id, priority, status);

CREATE INDEX tickets_department_status ON ticketing.tickets USING btree (department_id, status);

CREATE INDEX tickets_priority_status ON ticketing.tickets USING btree (priority, status);

CREATE INDEX tickets_search ON ticketing.tickets USING gin (search_text ticketing.gin_trgm_ops);

CREATE INDEX tickets_status_updated ON ticketing.tickets USING btree (status, updated_at DESC, id);

CREATE INDEX tickets_updated ON ticketing.tickets USING btree (updated_at DESC, id DESC);

CREATE TRIGGER tickets_counted_delete AFTER DELETE ON ticketing.tickets REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION ticketing.count_tickets();

CREATE TRIGGER tickets_counted_insert AFTER INSERT ON ticketing.tickets REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ticketing.count_tickets();

CREATE TRIGGER tickets_counted_truncate AFTER TRUNCATE ON ticketing.tickets FOR EACH STATEMENT EXECUTE FUNCTION ticketing.forget_ticket_counts();

CREATE TRIGGER tickets_counted_update AFTER UPDATE ON ticketing.tickets REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ticketing.count_tickets();

ALTER TABLE ONLY ticketing.attachments
    ADD CONSTRAINT attachments_comment_id_fkey FOREIGN KEY (comment_id) REFERENCES ticketing.comments(id) ON DELETE SET NULL;

ALTER TABLE ONLY ticketing.attachments
    ADD CONSTRAINT attachments_ticket_id_fkey FOREIGN KEY (ticket_id) REFERENCES ticketing.tickets(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.comments
    ADD CONSTRAINT comments_ticket_id_fkey FOREIGN KEY (ticket_id) REFERENCES ticketing.tickets(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.contact_devices
    ADD CONSTRAINT contact_devices_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES ticketing.contacts(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.contacts
    ADD CONSTRAINT contacts_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES ticketing.customers(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.contacts
    ADD CONSTRAINT contacts_department_id_fkey FOREIGN KEY (department_id) REFERENCES ticketing.departments(id) ON DELETE SET NULL;

ALTER TABLE ONLY ticketing.department_members
    ADD CONSTRAINT department_members_department_id_fkey FOREIGN KEY (department_id) REFERENCES ticketing.departments(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.department_members
    ADD CONSTRAINT department_members_operator_id_fkey FOREIGN KEY (operator_id) REFERENCES ticketing.operators(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.departments
    ADD CONSTRAINT departments_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES ticketing.customers(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.read_markers
    ADD CONSTRAINT read_markers_ticket_id_fkey FOREIGN KEY (ticket_id) REFERENCES ticketing.tickets(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.ticket_history
    ADD CONSTRAINT ticket_history_ticket_id_fkey FOREIGN KEY (ticket_id) REFERENCES ticketing.tickets(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.ticket_labels
    ADD CONSTRAINT ticket_labels_label_id_fkey FOREIGN KEY (label_id) REFERENCES ticketing.labels(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.ticket_labels
    ADD CONSTRAINT ticket_labels_ticket_id_fkey FOREIGN KEY (ticket_id) REFERENCES ticketing.tickets(id) ON DELETE CASCADE;

ALTER TABLE ONLY ticketing.tickets
    ADD CONSTRAINT tickets_assignee_id_fkey FOREIGN KEY (assignee_id) REFERENCES ticketing.operators(id) ON DELETE SET NULL;

ALTER TABLE ONLY ticketing.tickets
    ADD CONSTRAINT tickets_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES ticketing.contacts(id) ON DELETE SET NULL;

ALTER TABLE ONLY ticketing.tickets
    ADD CONSTRAINT tickets_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES ticketing.customers(id) ON DELETE SET NULL;

ALTER TABLE ONLY ticketing.tickets
    ADD CONSTRAINT tickets_department_id_fkey FOREIGN KEY (department_id) REFERENCES ticketing.departments(id) ON DELETE SET NULL;

ALTER TABLE ONLY ticketing.tickets
    ADD CONSTRAINT tickets_type_id_fkey FOREIGN KEY (type_id) REFERENCES ticketing.ticket_types(id) ON DELETE SET NULL;
