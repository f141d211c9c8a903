// Re-authentication before a sensitive action (an unmask, an unmasked export's download). When the server answers
// `403 reauth_required`, `withReauth` asks the user through the one ReauthDialog in the app shell and, once the
// password (and code) are confirmed, tries the action again — once. The password never enters this store: the
// dialog sends it and forgets it; the store only holds whether the dialog is open and how to answer the waiter.
import { defineStore } from 'pinia'
import { ApiError } from '@/api/http'

export const REAUTH_REQUIRED = 'reauth_required'

export function isReauthRequired(e: unknown): boolean {
  return e instanceof ApiError && e.code === REAUTH_REQUIRED
}

let settle: ((confirmed: boolean) => void) | null = null

export const useReauthStore = defineStore('reauth', {
  state: () => ({ open: false }),
  actions: {
    /** Opens the dialog; resolves true once the user re-authenticated, false when they gave up. */
    ask(): Promise<boolean> {
      settle?.(false)
      this.open = true
      return new Promise<boolean>((resolve) => {
        settle = resolve
      })
    },
    /** Called by the dialog: closes it and answers the waiting action. */
    finish(confirmed: boolean): void {
      this.open = false
      const s = settle
      settle = null
      s?.(confirmed)
    },
  },
})

/** Error thrown when the user closes the re-authentication dialog instead of confirming. */
export class ReauthCancelled extends Error {
  constructor() {
    super('re-authentication cancelled')
    this.name = 'ReauthCancelled'
  }
}

/**
 * Runs `action`; when it is refused with `reauth_required`, asks for the password (and code) and runs it once
 * more. Any other error, or a second refusal, goes to the caller; giving up throws ReauthCancelled.
 */
export async function withReauth<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (e) {
    if (!isReauthRequired(e)) throw e
    const confirmed = await useReauthStore().ask()
    if (!confirmed) throw new ReauthCancelled()
    return await action()
  }
}
