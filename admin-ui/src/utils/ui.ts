// Confirmation and clipboard helpers with the app's wording.
import { ElMessage, ElMessageBox } from 'element-plus'
import { t } from '@/i18n'

/** Asks before a destructive action; resolves true only when the user confirms. */
export async function confirmAction(message: string, danger = true): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, t('common.confirmTitle'), {
      confirmButtonText: t('common.confirm'),
      cancelButtonText: t('common.cancel'),
      type: danger ? 'warning' : 'info',
      confirmButtonClass: danger ? 'el-button--danger' : undefined,
      autofocus: false,
      customClass: 'siyu-confirm',
    })
    return true
  } catch {
    return false
  }
}

/** Copies text; intranet sites are often plain HTTP, where navigator.clipboard is missing. */
export async function copyText(text: string): Promise<void> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text)
    } else {
      const ta = document.createElement('textarea')
      ta.value = text
      ta.setAttribute('readonly', '')
      ta.style.position = 'fixed'
      ta.style.opacity = '0'
      document.body.appendChild(ta)
      ta.select()
      const ok = document.execCommand('copy')
      document.body.removeChild(ta)
      if (!ok) throw new Error('copy refused')
    }
    ElMessage.success(t('common.copied'))
  } catch {
    ElMessage.warning(t('common.copyFailed'))
  }
}

export function done(key = 'common.done'): void {
  ElMessage.success(t(key))
}
