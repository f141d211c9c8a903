// vue-i18n set up with zh-CN as the default and en-US complete; the choice is kept in localStorage.
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN'
import enUS from './en-US'

export type Locale = 'zh-CN' | 'en-US'
export const LOCALES: Locale[] = ['zh-CN', 'en-US']
export const LOCALE_KEY = 'siyu.locale'

export function savedLocale(): Locale {
  try {
    const v = localStorage.getItem(LOCALE_KEY)
    if (v === 'zh-CN' || v === 'en-US') return v
  } catch {
    // storage unavailable (private mode): fall back to the default
  }
  return 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, 'en-US': enUS },
  missingWarn: false,
  fallbackWarn: false,
})

export function setLocale(l: Locale): void {
  i18n.global.locale.value = l
  try {
    localStorage.setItem(LOCALE_KEY, l)
  } catch {
    // not persisted; still switched for this page
  }
  document.documentElement.lang = l
}

/** Translates outside components (stores, the HTTP hooks). */
export const t = (key: string, named?: Record<string, unknown>): string =>
  named ? i18n.global.t(key, named) : i18n.global.t(key)
