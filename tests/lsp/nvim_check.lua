-- nvim_check.lua — headless Neovim attaches `qrc lsp` to a recipe with an error, writes what
-- vim.diagnostic.get() reports, fixes the line and writes the diagnostics again.
-- Environment: QRC (the binary), OUT (the report file). The recipe is the file Neovim was started on.
local out = assert(io.open(os.getenv("OUT"), "w"))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({ cmd = { os.getenv("QRC"), "lsp" }, name = "qrc", root_dir = vim.fn.getcwd() })
vim.lsp.buf_attach_client(buf, id)

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
vim.lsp.stop_client(id)
vim.wait(2000, function() return vim.lsp.get_client_by_id(id) == nil end, 20)
vim.cmd("qa!")
