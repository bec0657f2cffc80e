-- rem reminder policies in Neovim (0.11 or later): .rem files, and `rem lsp` for them.
-- Put this file in ~/.config/nvim/plugin/ (or require it from init.lua). `rem` must be on the
-- PATH, or change `cmd` below to its full path.

vim.filetype.add({ extension = { rem = "rem" } })

vim.lsp.config("rem", {
  cmd = { "rem", "lsp" },
  filetypes = { "rem" },
  root_markers = { "policies", ".git" },
})
vim.lsp.enable("rem")

-- `//` comments, for `gc` and friends.
vim.api.nvim_create_autocmd("FileType", {
  pattern = "rem",
  callback = function()
    vim.bo.commentstring = "// %s"
  end,
})
