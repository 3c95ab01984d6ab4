-- Lookups Today makes, each now by an index: a contact's enrolments (the
-- sequence a reply answered; the contact page's sequences too); the
-- activities of one kind in a time range (meetings today and tomorrow; a
-- record's timeline filtered by kind), which walked every activity of the
-- range; and the deals closing in the forecast's months, read from the
-- index alone.

SET LOCAL ROLE redkey_owner;

CREATE INDEX sequence_contacts_person ON sequence_contacts (workspace_id, person_id);
CREATE INDEX activities_kind ON activities (workspace_id, kind, happens_at DESC);
CREATE INDEX opportunities_close_date ON opportunities (workspace_id, close_date)
  INCLUDE (stage_id, amount_amount_micros) WHERE deleted_at IS NULL;

RESET ROLE;
