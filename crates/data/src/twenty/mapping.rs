//! Where each column of the adapted `crm_*` views lives in a Twenty
//! workspace, pinned to Twenty's standard objects as published at commit
//! 01abd1ffcf4f2147761a330404c243a8688b8a7c of twentyhq/twenty
//! (`packages/twenty-server/src/modules/*/standard-objects/*.workspace-entity.ts`):
//! composite fields expand to camelCase columns, text subfields default to
//! '' where ours are NULL, money is numeric micros.

/// One adapted view: Twenty's table, our extension table, and its columns
/// by the view's column name.
pub(crate) struct Object {
    pub view: &'static str,
    pub table: &'static str,
    /// Our extension table, where the view has columns Twenty lacks.
    pub ext: Option<&'static str>,
    pub columns: &'static [(&'static str, Source)],
    /// Twenty columns written from a view column besides its own mapping:
    /// (view column, Twenty column, the value from `NEW`).
    pub derived: &'static [(&'static str, &'static str, &'static str)],
    /// View columns unique among live rows regardless of case, as the main
    /// table's index has them (Twenty's own index is case-sensitive):
    /// (view column, Twenty column, the main constraint's name).
    pub unique: &'static [(&'static str, &'static str, &'static str)],
    /// Orders the cockpit's lists walk (view columns), indexed on Twenty's
    /// table with the view's own expressions.
    pub orders: &'static [&'static [&'static str]],
    /// PL/pgSQL the writer runs first, as the main table's constraints and
    /// triggers would (`{table}` is Twenty's table).
    pub first: &'static str,
    /// Each row of the view is part of an existing Twenty row (the
    /// `first` block sets `NEW.id` to it): an insert fills that row's
    /// columns instead of adding one.
    pub fills: bool,
}

pub(crate) enum Source {
    /// A Twenty column: `read` wraps it (`{}`), and the view writes it back
    /// unless `write` is false. `optional` columns are absent in some
    /// Twenty versions and read as NULL there without a report.
    Twenty {
        column: &'static str,
        read: &'static str,
        write: bool,
        optional: bool,
    },
    /// The same-named column of the extension table.
    Ext { read: &'static str },
    /// The attached client.
    Client,
    /// The attachment's one pipeline.
    Pipeline,
    /// Twenty's stage option, as our stage id.
    Stage,
    /// The later of Twenty's `updatedAt` and the extension row's.
    Updated,
    /// Derived from other columns (`t` Twenty's row, `e` ours); never written.
    Expr(&'static str),
}

const fn tw(column: &'static str) -> Source {
    Source::Twenty {
        column,
        read: "{}",
        write: true,
        optional: false,
    }
}

/// Twenty stores "none" in a text subfield as ''.
const fn tw_text(column: &'static str) -> Source {
    Source::Twenty {
        column,
        read: "NULLIF({}, '')",
        write: true,
        optional: false,
    }
}

const fn tw_required(column: &'static str, read: &'static str) -> Source {
    Source::Twenty {
        column,
        read,
        write: true,
        optional: false,
    }
}

const EXT: Source = Source::Ext { read: "{}" };

/// Twenty's actor sources are ours, plus some we do not have.
const CREATED_BY: Source = Source::Twenty {
    column: "createdBySource",
    read: "CASE WHEN {}::text = ANY (enum_range(NULL::created_by_source)::text[]) \
           THEN {}::text::created_by_source ELSE 'SYSTEM'::created_by_source END",
    write: true,
    optional: false,
};

const CREATED_AT: Source = Source::Twenty {
    column: "createdAt",
    read: "{}",
    write: false,
    optional: false,
};

pub(crate) const OBJECTS: &[Object] = &[
    Object {
        view: "crm_companies",
        table: "company",
        ext: Some("company_ext"),
        derived: &[],
        unique: &[],
        orders: &[&["name", "id"]],
        first: "",
        fills: false,
        columns: &[
            ("id", tw("id")),
            ("client_id", Source::Client),
            ("name", tw_required("name", "coalesce({}, '')")),
            ("domain", tw_text("domainNamePrimaryLinkUrl")),
            ("city", tw_text("addressAddressCity")),
            ("country", tw_text("addressAddressCountry")),
            ("priority", EXT),
            ("strategy_note", EXT),
            ("account_owner_id", EXT),
            (
                "ideal_customer_profile",
                tw_required("idealCustomerProfile", "coalesce({}, false)"),
            ),
            ("last_activity_at", EXT),
            ("enriched_at", EXT),
            ("linkedin_url", tw_text("linkedinLinkPrimaryLinkUrl")),
            ("employees", tw("employees")),
            ("company_size", EXT),
            ("industry", EXT),
            ("created_by_source", CREATED_BY),
            ("created_at", CREATED_AT),
            ("updated_at", Source::Updated),
        ],
    },
    Object {
        view: "crm_contacts",
        table: "person",
        ext: Some("person_ext"),
        derived: &[],
        unique: &[("email", "emailsPrimaryEmail", "people_primary_email_unique")],
        // The list's order, and a company's people in it (its page).
        orders: &[
            &["last_name", "first_name", "id"],
            &["company_id", "last_name", "first_name", "id"],
        ],
        first: "",
        fills: false,
        columns: &[
            ("id", tw("id")),
            ("client_id", Source::Client),
            (
                "first_name",
                tw_required("nameFirstName", "coalesce({}, '')"),
            ),
            ("last_name", tw_required("nameLastName", "coalesce({}, '')")),
            ("email", tw_text("emailsPrimaryEmail")),
            ("phone", tw_text("phonesPrimaryPhoneNumber")),
            ("job_title", tw_text("jobTitle")),
            ("city", tw_text("city")),
            ("company_id", tw("companyId")),
            ("priority", EXT),
            ("relationship_note", EXT),
            ("strategy_note", EXT),
            ("recontact_at", EXT),
            ("last_activity_at", EXT),
            ("enriched_at", EXT),
            (
                "email_thread_count",
                Source::Ext {
                    read: "coalesce({}, 0)",
                },
            ),
            (
                "open_count",
                Source::Ext {
                    read: "coalesce({}, 0)",
                },
            ),
            ("linkedin_url", tw_text("linkedinLinkPrimaryLinkUrl")),
            ("sequence_step", EXT),
            ("sequence_enrolled_at", EXT),
            ("created_by_source", CREATED_BY),
            ("created_at", CREATED_AT),
            ("updated_at", Source::Updated),
            // As the main table's generated column: never-active last.
            (
                "activity_order",
                Source::Expr("coalesce(e.last_activity_at, '-infinity')"),
            ),
        ],
    },
    Object {
        view: "crm_deals",
        table: "opportunity",
        ext: Some("opportunity_ext"),
        derived: &[],
        unique: &[],
        // The board's columns, the deals table's first order, the health
        // rule's walk of deals with no activity, and a company's or a
        // contact's deals, newest first (their pages).
        orders: &[
            &["stage_id", "position", "id"],
            &["name", "id"],
            &["created_at", "id"],
            &["company_id", "created_at"],
            &["contact_id", "created_at"],
        ],
        first: DEAL_FIRST,
        fills: false,
        columns: &[
            ("id", tw("id")),
            ("client_id", Source::Client),
            ("name", tw_required("name", "coalesce({}, '')")),
            ("pipeline_id", Source::Pipeline),
            ("stage_id", Source::Stage),
            ("position", tw_required("position", "coalesce({}, 0)")),
            (
                "stage_changed_at",
                Source::Ext {
                    read: "coalesce({}, t.\"createdAt\")",
                },
            ),
            ("amount_micros", tw("amountAmountMicros")),
            (
                "currency_code",
                tw_required("amountCurrencyCode", "coalesce(NULLIF({}, ''), 'USD')"),
            ),
            ("close_date", tw("closeDate")),
            ("owner_id", EXT),
            ("priority", EXT),
            ("strategy_note", EXT),
            ("recontact_at", EXT),
            ("contact_id", tw("pointOfContactId")),
            ("company_id", tw("companyId")),
            ("last_activity_at", EXT),
            ("created_by_source", CREATED_BY),
            ("created_at", CREATED_AT),
            ("updated_at", Source::Updated),
        ],
    },
    NOTES,
    NOTE_TARGETS,
    TODOS,
    TODO_TARGETS,
    ATTACHMENTS,
    ATTACHMENT_TARGETS,
];

/// As the main table's amount range and position trigger: an amount is at
/// most 10^12 units, and a new deal goes to the end of its stage.
const DEAL_FIRST: &str = "\
    IF NEW.amount_micros > 1000000000000000000 AND (TG_OP = 'INSERT' \
       OR NEW.amount_micros IS DISTINCT FROM OLD.amount_micros) THEN \
      RAISE EXCEPTION 'amount out of range' USING ERRCODE = '23514', \
        CONSTRAINT = 'opportunities_amount_range'; \
    END IF; \
    IF TG_OP = 'INSERT' THEN \
      NEW.position := coalesce((SELECT max(t.position) + 1 FROM {table} t \
        WHERE t.stage::text = (SELECT st.label FROM redkey_twenty.stages st \
                               WHERE st.workspace_id = client AND st.stage_id = NEW.stage_id) \
          AND t.\"deletedAt\" IS NULL), 0); \
    END IF;";

/// Twenty's editor shows a note's BlockNote document, not its markdown:
/// a note written here gets one paragraph block per line.
const BLOCKNOTE: &str = "(SELECT coalesce(jsonb_agg(jsonb_build_object(\
    'id', gen_random_uuid(), 'type', 'paragraph', \
    'props', jsonb_build_object('textColor', 'default', 'backgroundColor', 'default', \
                                'textAlignment', 'left'), \
    'content', CASE WHEN u.line = '' THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(\
        'type', 'text', 'text', u.line, 'styles', '{}'::jsonb)) END, \
    'children', '[]'::jsonb) ORDER BY u.n), '[]'::jsonb)::text \
  FROM unnest(string_to_array(coalesce(NEW.body_markdown, ''), E'\\n')) WITH ORDINALITY u(line, n))";

pub(crate) const NOTES: Object = Object {
    view: "crm_notes",
    table: "note",
    ext: None,
    columns: &[
        ("id", tw("id")),
        ("client_id", Source::Client),
        ("title", tw_required("title", "coalesce({}, '')")),
        (
            "body_markdown",
            tw_required("bodyV2Markdown", "coalesce({}, '')"),
        ),
        ("created_by_source", CREATED_BY),
        ("created_at", CREATED_AT),
        ("updated_at", Source::Updated),
    ],
    derived: &[("body_markdown", "bodyV2Blocknote", BLOCKNOTE)],
    unique: &[],
    orders: &[],
    first: "",
    fills: false,
};

pub(crate) const NOTE_TARGETS: Object = Object {
    view: "crm_note_targets",
    table: "noteTarget",
    ext: None,
    columns: &[
        ("id", tw("id")),
        ("client_id", Source::Client),
        ("note_id", tw("noteId")),
        ("contact_id", tw("personId")),
        ("company_id", tw("companyId")),
        ("deal_id", tw("opportunityId")),
        ("created_at", CREATED_AT),
    ],
    derived: &[],
    unique: &[],
    orders: &[],
    first: "",
    fills: false,
};

pub(crate) const TODOS: Object = Object {
    view: "crm_todos",
    table: "task",
    ext: Some("task_ext"),
    columns: &[
        ("id", tw("id")),
        ("client_id", Source::Client),
        ("title", tw_required("title", "coalesce({}, '')")),
        ("body_markdown", tw_required("bodyV2Markdown", "coalesce({}, '')")),
        ("due_at", tw("dueAt")),
        (
            "status",
            Source::Twenty {
                column: "status",
                read: "coalesce({}::text, 'TODO')",
                write: false,
                optional: false,
            },
        ),
        ("assignee_id", EXT),
        ("created_by_source", CREATED_BY),
        // Done in Twenty's own app: since its last change.
        (
            "completed_at",
            Source::Expr(
                "CASE WHEN t.status::text = 'DONE' THEN coalesce(e.completed_at, t.\"updatedAt\") END",
            ),
        ),
        ("created_at", CREATED_AT),
        ("updated_at", Source::Updated),
    ],
    derived: &[("body_markdown", "bodyV2Blocknote", BLOCKNOTE)],
    unique: &[],
    orders: &[],
    first: "",
    fills: false,
};

pub(crate) const TODO_TARGETS: Object = Object {
    view: "crm_todo_targets",
    table: "taskTarget",
    ext: None,
    columns: &[
        ("id", tw("id")),
        ("client_id", Source::Client),
        ("todo_id", tw("taskId")),
        ("contact_id", tw("personId")),
        ("company_id", tw("companyId")),
        ("deal_id", tw("opportunityId")),
        ("created_at", CREATED_AT),
    ],
    derived: &[],
    unique: &[],
    orders: &[],
    first: "",
    fills: false,
};

/// Twenty's file categories are ours; another reads as OTHER.
const FILE_CATEGORY: Source = Source::Twenty {
    column: "fileCategory",
    read: "CASE WHEN {}::text = ANY (enum_range(NULL::file_category)::text[]) \
           THEN {}::text::file_category ELSE 'OTHER'::file_category END",
    write: true,
    optional: false,
};

pub(crate) const ATTACHMENTS: Object = Object {
    view: "crm_attachments",
    table: "attachment",
    ext: Some("attachment_ext"),
    columns: &[
        ("id", tw("id")),
        ("client_id", Source::Client),
        ("name", tw_required("name", "coalesce({}, '')")),
        ("full_path", tw_required("fullPath", "coalesce({}, '')")),
        ("file_category", FILE_CATEGORY),
        ("created_by_source", CREATED_BY),
        ("created_at", CREATED_AT),
        ("updated_at", Source::Updated),
        ("size_bytes", EXT),
        ("content_type", EXT),
        ("uploaded_by", EXT),
    ],
    derived: &[],
    unique: &[],
    orders: &[],
    first: "",
    fills: false,
};

/// A Twenty attachment names its one record in its own row: a target is
/// that row's record columns, and adding one fills them.
pub(crate) const ATTACHMENT_TARGETS: Object = Object {
    view: "crm_attachment_targets",
    table: "attachment",
    ext: None,
    columns: &[
        ("id", Source::Expr("t.id")),
        ("client_id", Source::Client),
        ("attachment_id", tw("id")),
        ("contact_id", tw("personId")),
        ("company_id", tw("companyId")),
        ("deal_id", tw("opportunityId")),
        ("created_at", CREATED_AT),
    ],
    derived: &[],
    unique: &[],
    orders: &[],
    first: ATTACHMENT_TARGET_FIRST,
    fills: true,
};

const ATTACHMENT_TARGET_FIRST: &str = "\
    IF TG_OP = 'INSERT' THEN \
      NEW.id := NEW.attachment_id; \
      IF NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = NEW.id AND t.\"deletedAt\" IS NULL) THEN \
        RAISE EXCEPTION 'no such file' USING ERRCODE = '23503', \
          CONSTRAINT = 'attachment_targets_attachment_id_fkey'; \
      END IF; \
      IF EXISTS (SELECT 1 FROM {table} t WHERE t.id = NEW.id AND \
                 coalesce(t.\"personId\", t.\"companyId\", t.\"opportunityId\") IS NOT NULL) THEN \
        RAISE EXCEPTION 'a Twenty file belongs to one record' USING ERRCODE = '23505', \
          CONSTRAINT = 'twenty_attachment_one_record'; \
      END IF; \
    END IF;";

/// The Twenty columns the adapter itself relies on besides the mapped
/// ones: soft delete, the change time, and (for deals) the stage.
pub(crate) const BOOKKEEPING: &[(&str, &str)] = &[
    ("person", "deletedAt"),
    ("person", "updatedAt"),
    ("company", "deletedAt"),
    ("company", "updatedAt"),
    ("opportunity", "deletedAt"),
    ("opportunity", "updatedAt"),
    ("opportunity", "stage"),
];
