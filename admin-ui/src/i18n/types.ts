import type zhCN from './zh-CN'

/** The shape of a locale: the same keys as zh-CN, every leaf a string. */
type Leaves<T> = { [K in keyof T]: T[K] extends string ? string : Leaves<T[K]> }
export type Messages = Leaves<typeof zhCN>
