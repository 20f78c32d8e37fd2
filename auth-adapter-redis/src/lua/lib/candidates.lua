-- A list of keys without repeats: `add(k)` appends `k` (ignoring nil) once.
local function candidates()
  local list, seen = {}, {}
  local function add(k)
    if k and not seen[k] then seen[k] = true; table.insert(list, k) end
  end
  return list, add
end
