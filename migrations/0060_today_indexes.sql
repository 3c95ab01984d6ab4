-- Two lookups Today makes, each now by an index: a contact's enrolments
-- (the sequence a reply answered; the contact page's sequences too), and
-- the activities of one kind in a time range (meetings today and
-- tomorrow; a record's timeline filtered by kind), which walked every
-- activity of the range.

SET LOCAL ROLE redkey_owner;

CREATE INDEX sequence_contacts_person ON sequence_contacts (workspace_id, person_id);
CREATE INDEX activities_kind ON activities (workspace_id, kind, happens_at DESC);

RESET ROLE;
