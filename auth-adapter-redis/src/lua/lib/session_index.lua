-- The JS adapters' single-value index of a user's session.
local function session_index(uid) return K_SESSION_BY_USER .. uid end
