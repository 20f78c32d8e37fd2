-- The JS adapters' single-value index of a user's account.
local function account_index(uid) return K_ACCOUNT_BY_USER .. uid end
