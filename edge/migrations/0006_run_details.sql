-- What a run left besides its status and cost: the branch it committed on, the commit, the pull
-- request it opened, and why it ended (an agent's reason: finished, failed, stuck, budget, user, …).
ALTER TABLE runs ADD COLUMN branch TEXT;
ALTER TABLE runs ADD COLUMN commit_oid TEXT;
ALTER TABLE runs ADD COLUMN pr_url TEXT;
ALTER TABLE runs ADD COLUMN reason TEXT;
