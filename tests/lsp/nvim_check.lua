-- nvim_check.lua — in headless Neovim configured by the README's init.lua (which attaches `qrc lsp` to
-- *.q buffers), writes what vim.diagnostic.get() reports for the recipe Neovim was started on, fixes the
-- line in the buffer and writes the diagnostics again. Environment: OUT (the report file).
local out = assert(io.open(os.getenv("OUT"), "w"))
local buf = vim.api.nvim_get_current_buf()
out:write("filetype=" .. vim.bo.filetype .. "\n")

local function report(tag)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    out:write(string.format("%s %d:%d-%d:%d severity=%d %s\n", tag, d.lnum, d.col, d.end_lnum, d.end_col,
      d.severity, (d.message:gsub("\n", " | "))))
  end
  out:write(tag .. " count=" .. #vim.diagnostic.get(buf) .. "\n")
end

vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
report("broken")
local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
for i, l in ipairs(lines) do
  if l:find("sampels") then
    vim.api.nvim_buf_set_lines(buf, i - 1, i, false, { (l:gsub("sampels", "samples")) })
  end
end
vim.wait(20000, function() return #vim.diagnostic.get(buf) == 0 end, 20)
report("fixed")
out:close()
vim.lsp.stop_client(vim.lsp.get_active_clients())
vim.wait(2000, function() return #vim.lsp.get_active_clients() == 0 end, 20)
vim.cmd("qa!")
