// Enter submits a dialog's form, except while an IME is composing (Chinese input confirms with Enter) and
// inside pickers, where Enter chooses an option.
export function enterSubmits(e: KeyboardEvent, submit: () => unknown): void {
  if (e.key !== 'Enter' || e.isComposing || e.keyCode === 229) return
  const el = e.target as HTMLElement | null
  if (!el || el.tagName !== 'INPUT') return
  if (el.closest('.el-select, .el-tree-select, .el-date-editor, .el-cascader')) return
  e.preventDefault()
  void submit()
}
