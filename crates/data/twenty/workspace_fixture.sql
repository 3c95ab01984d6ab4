-- A Twenty workspace schema as Twenty creates it, for the objects the
-- adapter maps and their neighbours: quoted camelCase tables and columns,
-- composite fields expanded, enums per workspace, soft delete, actor
-- columns. Shape pinned to twentyhq/twenty at commit
-- 01abd1ffcf4f2147761a330404c243a8688b8a7c (standard objects' workspace
-- entities); `{schema}` is the workspace schema's name.
CREATE SCHEMA "{schema}";
SET LOCAL search_path = "{schema}";

CREATE TYPE "actor_source_enum" AS ENUM
  ('EMAIL', 'CALENDAR', 'WORKFLOW', 'AGENT', 'API', 'IMPORT', 'MANUAL', 'SYSTEM', 'WEBHOOK', 'APPLICATION');
CREATE TYPE "opportunity_stage_enum" AS ENUM ('NEW', 'SCREENING', 'MEETING', 'PROPOSAL', 'CUSTOMER');
CREATE TYPE "task_status_enum" AS ENUM ('TODO', 'IN_PROGRESS', 'DONE');

CREATE TABLE "workspaceMember" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "nameFirstName" varchar NOT NULL DEFAULT '',
  "nameLastName" varchar NOT NULL DEFAULT '',
  "userEmail" varchar,
  "userId" uuid NOT NULL,
  "position" double precision NOT NULL DEFAULT 0,
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now(),
  "deletedAt" timestamptz
);

CREATE TABLE "company" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "name" varchar,
  "domainNamePrimaryLinkUrl" varchar NOT NULL DEFAULT '',
  "domainNamePrimaryLinkLabel" varchar NOT NULL DEFAULT '',
  "domainNameSecondaryLinks" jsonb,
  "employees" double precision,
  "linkedinLinkPrimaryLinkUrl" varchar NOT NULL DEFAULT '',
  "linkedinLinkPrimaryLinkLabel" varchar NOT NULL DEFAULT '',
  "linkedinLinkSecondaryLinks" jsonb,
  "xLinkPrimaryLinkUrl" varchar NOT NULL DEFAULT '',
  "xLinkPrimaryLinkLabel" varchar NOT NULL DEFAULT '',
  "xLinkSecondaryLinks" jsonb,
  "annualRecurringRevenueAmountMicros" numeric,
  "annualRecurringRevenueCurrencyCode" varchar NOT NULL DEFAULT '',
  "addressAddressStreet1" varchar NOT NULL DEFAULT '',
  "addressAddressStreet2" varchar NOT NULL DEFAULT '',
  "addressAddressCity" varchar NOT NULL DEFAULT '',
  "addressAddressPostcode" varchar NOT NULL DEFAULT '',
  "addressAddressState" varchar NOT NULL DEFAULT '',
  "addressAddressCountry" varchar NOT NULL DEFAULT '',
  "addressAddressLat" numeric,
  "addressAddressLng" numeric,
  "idealCustomerProfile" boolean NOT NULL DEFAULT false,
  "position" double precision NOT NULL DEFAULT 0,
  "createdBySource" "actor_source_enum" NOT NULL DEFAULT 'MANUAL',
  "createdByWorkspaceMemberId" uuid,
  "createdByName" varchar NOT NULL DEFAULT '',
  "createdByContext" jsonb,
  "updatedBySource" "actor_source_enum" NOT NULL DEFAULT 'MANUAL',
  "updatedByWorkspaceMemberId" uuid,
  "updatedByName" varchar NOT NULL DEFAULT '',
  "accountOwnerId" uuid REFERENCES "workspaceMember" ("id") ON DELETE SET NULL,
  "searchVector" tsvector,
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now(),
  "deletedAt" timestamptz
);

CREATE TABLE "person" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "nameFirstName" varchar NOT NULL DEFAULT '',
  "nameLastName" varchar NOT NULL DEFAULT '',
  "emailsPrimaryEmail" varchar NOT NULL DEFAULT '',
  "emailsAdditionalEmails" jsonb,
  "linkedinLinkPrimaryLinkUrl" varchar NOT NULL DEFAULT '',
  "linkedinLinkPrimaryLinkLabel" varchar NOT NULL DEFAULT '',
  "linkedinLinkSecondaryLinks" jsonb,
  "xLinkPrimaryLinkUrl" varchar NOT NULL DEFAULT '',
  "xLinkPrimaryLinkLabel" varchar NOT NULL DEFAULT '',
  "xLinkSecondaryLinks" jsonb,
  "jobTitle" varchar NOT NULL DEFAULT '',
  "phonesPrimaryPhoneNumber" varchar NOT NULL DEFAULT '',
  "phonesPrimaryPhoneCountryCode" varchar NOT NULL DEFAULT '',
  "phonesPrimaryPhoneCallingCode" varchar NOT NULL DEFAULT '',
  "phonesAdditionalPhones" jsonb,
  "city" varchar NOT NULL DEFAULT '',
  "avatarUrl" varchar NOT NULL DEFAULT '',
  "position" double precision NOT NULL DEFAULT 0,
  "createdBySource" "actor_source_enum" NOT NULL DEFAULT 'MANUAL',
  "createdByWorkspaceMemberId" uuid,
  "createdByName" varchar NOT NULL DEFAULT '',
  "createdByContext" jsonb,
  "updatedBySource" "actor_source_enum" NOT NULL DEFAULT 'MANUAL',
  "updatedByWorkspaceMemberId" uuid,
  "updatedByName" varchar NOT NULL DEFAULT '',
  "companyId" uuid REFERENCES "company" ("id") ON DELETE SET NULL,
  "searchVector" tsvector,
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now(),
  "deletedAt" timestamptz
);
CREATE UNIQUE INDEX "IDX_UNIQUE_person_emailsPrimaryEmail" ON "person" ("emailsPrimaryEmail")
  WHERE "emailsPrimaryEmail" <> '' AND "deletedAt" IS NULL;

CREATE TABLE "opportunity" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "name" varchar,
  "amountAmountMicros" numeric,
  "amountCurrencyCode" varchar NOT NULL DEFAULT '',
  "closeDate" timestamptz,
  "stage" "opportunity_stage_enum" NOT NULL DEFAULT 'NEW',
  "probability" varchar,
  "position" double precision NOT NULL DEFAULT 0,
  "createdBySource" "actor_source_enum" NOT NULL DEFAULT 'MANUAL',
  "createdByWorkspaceMemberId" uuid,
  "createdByName" varchar NOT NULL DEFAULT '',
  "createdByContext" jsonb,
  "updatedBySource" "actor_source_enum" NOT NULL DEFAULT 'MANUAL',
  "updatedByWorkspaceMemberId" uuid,
  "updatedByName" varchar NOT NULL DEFAULT '',
  "pointOfContactId" uuid REFERENCES "person" ("id") ON DELETE SET NULL,
  "companyId" uuid REFERENCES "company" ("id") ON DELETE SET NULL,
  "searchVector" tsvector,
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now(),
  "deletedAt" timestamptz
);

CREATE TABLE "note" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "title" varchar,
  "bodyV2Blocknote" text,
  "bodyV2Markdown" text,
  "position" double precision NOT NULL DEFAULT 0,
  "createdBySource" "actor_source_enum" NOT NULL DEFAULT 'MANUAL',
  "createdByWorkspaceMemberId" uuid,
  "createdByName" varchar NOT NULL DEFAULT '',
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now(),
  "deletedAt" timestamptz
);

CREATE TABLE "noteTarget" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "noteId" uuid REFERENCES "note" ("id") ON DELETE CASCADE,
  "personId" uuid REFERENCES "person" ("id") ON DELETE CASCADE,
  "companyId" uuid REFERENCES "company" ("id") ON DELETE CASCADE,
  "opportunityId" uuid REFERENCES "opportunity" ("id") ON DELETE CASCADE,
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now(),
  "deletedAt" timestamptz
);

CREATE TABLE "task" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "title" varchar,
  "bodyV2Blocknote" text,
  "bodyV2Markdown" text,
  "dueAt" timestamptz,
  "status" "task_status_enum" DEFAULT 'TODO',
  "assigneeId" uuid REFERENCES "workspaceMember" ("id") ON DELETE SET NULL,
  "position" double precision NOT NULL DEFAULT 0,
  "createdBySource" "actor_source_enum" NOT NULL DEFAULT 'MANUAL',
  "createdByWorkspaceMemberId" uuid,
  "createdByName" varchar NOT NULL DEFAULT '',
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now(),
  "deletedAt" timestamptz
);

CREATE TABLE "taskTarget" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "taskId" uuid REFERENCES "task" ("id") ON DELETE CASCADE,
  "personId" uuid REFERENCES "person" ("id") ON DELETE CASCADE,
  "companyId" uuid REFERENCES "company" ("id") ON DELETE CASCADE,
  "opportunityId" uuid REFERENCES "opportunity" ("id") ON DELETE CASCADE,
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now(),
  "deletedAt" timestamptz
);

CREATE TABLE "timelineActivity" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "happensAt" timestamptz NOT NULL DEFAULT now(),
  "name" varchar NOT NULL,
  "properties" jsonb,
  "linkedRecordCachedName" varchar,
  "linkedRecordId" uuid,
  "linkedObjectMetadataId" uuid,
  "workspaceMemberId" uuid REFERENCES "workspaceMember" ("id") ON DELETE CASCADE,
  "personId" uuid REFERENCES "person" ("id") ON DELETE CASCADE,
  "companyId" uuid REFERENCES "company" ("id") ON DELETE CASCADE,
  "opportunityId" uuid REFERENCES "opportunity" ("id") ON DELETE CASCADE,
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now(),
  "deletedAt" timestamptz
);

CREATE TABLE "attachment" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "name" varchar,
  "fullPath" varchar,
  "fileCategory" varchar,
  "personId" uuid REFERENCES "person" ("id") ON DELETE CASCADE,
  "companyId" uuid REFERENCES "company" ("id") ON DELETE CASCADE,
  "opportunityId" uuid REFERENCES "opportunity" ("id") ON DELETE CASCADE,
  "noteId" uuid REFERENCES "note" ("id") ON DELETE CASCADE,
  "taskId" uuid REFERENCES "task" ("id") ON DELETE CASCADE,
  "authorId" uuid REFERENCES "workspaceMember" ("id") ON DELETE SET NULL,
  "createdBySource" "actor_source_enum" NOT NULL DEFAULT 'MANUAL',
  "createdByWorkspaceMemberId" uuid,
  "createdByName" varchar NOT NULL DEFAULT '',
  "createdByContext" jsonb,
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now(),
  "deletedAt" timestamptz
);

-- Twenty's own connection: its application role, owning nothing of ours.
GRANT USAGE ON SCHEMA "{schema}" TO twenty_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO twenty_app;
