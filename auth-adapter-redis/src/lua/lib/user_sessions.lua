-- The set of a user's session keys (added by this crate).
local function user_sessions(uid) return K_USER_SESSIONS .. uid end
