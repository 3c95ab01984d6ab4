-- Who owns a deal and whose account a company is are RedKey members (the
-- cockpit's choices and filters, as a to-do's assignee is): kept beside
-- Twenty's rows. Twenty's own `ownerId` and `accountOwnerId` point at its
-- workspace members, a different set of people, and stay Twenty's.

SET LOCAL ROLE redkey_owner;

ALTER TABLE redkey_twenty.opportunity_ext
  ADD COLUMN owner_id uuid,
  ADD FOREIGN KEY (workspace_id, owner_id) REFERENCES workspace_members (workspace_id, id);
ALTER TABLE redkey_twenty.company_ext
  ADD COLUMN account_owner_id uuid,
  ADD FOREIGN KEY (workspace_id, account_owner_id) REFERENCES workspace_members (workspace_id, id);

-- As the main tables since their migration 0018: the last activity leaves
-- the field audit trail (it would flood the timelines).
DROP TRIGGER audit ON redkey_twenty.person_ext;
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON redkey_twenty.person_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_contacts', 'priority:priority:strategic', 'relationship_note:relationship_note:strategic',
  'strategy_note:strategy_note:strategic', 'recontact_at:recontact_at:strategic',
  'enriched_at:enriched_at:operational', 'email_thread_count:email_thread_count:operational',
  'open_count:open_count:operational', 'sequence_step:sequence_step:operational',
  'sequence_enrolled_at:sequence_enrolled_at:operational');
DROP TRIGGER audit ON redkey_twenty.company_ext;
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON redkey_twenty.company_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_companies', 'priority:priority:strategic', 'strategy_note:strategy_note:strategic',
  'account_owner_id:account_owner_id:strategic', 'enriched_at:enriched_at:operational',
  'company_size:company_size:operational', 'industry:industry:operational');
DROP TRIGGER audit ON redkey_twenty.opportunity_ext;
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON redkey_twenty.opportunity_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_deals', 'priority:priority:strategic', 'strategy_note:strategy_note:strategic',
  'recontact_at:recontact_at:strategic', 'owner_id:owner_id:strategic');
