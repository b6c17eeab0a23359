-- Each production alias is served at a host name label of its own: the project itself when it is
-- one (an IDE project's id), else one made from it (`owner/name` → `name--owner`); see
-- edge/deployments/production.ts productionHost. Filled in by the next promote for older rows.
ALTER TABLE production_aliases ADD COLUMN host TEXT;
UPDATE production_aliases SET host = project WHERE instr(project, '/') = 0 AND project = lower(project);
CREATE UNIQUE INDEX production_aliases_host ON production_aliases (host);
