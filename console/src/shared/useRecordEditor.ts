// The one way an admin page edits its records: a dialog's form filled from a record (or blank for a
// new one), saved as a POST or a PATCH, the API's problem kept for the fields; and the one way it
// deletes them, behind the delete confirmation. Pages say what differs (the body, the calls).
import { reactive, ref, type Ref, type UnwrapNestedRefs } from 'vue'
import type { Outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'
import { type DeleteQuestion, useConfirmDelete } from './confirmDelete'

export interface RecordEditorOptions<Form extends object, Item> {
  /** The form of a new record. */
  blank: () => Form
  /** The form of an existing record. */
  formOf: (item: Item) => Form
  create: (form: UnwrapNestedRefs<Form>) => Promise<Outcome<unknown>>
  update: (id: string, form: UnwrapNestedRefs<Form>) => Promise<Outcome<unknown>>
  /** After a save went through: reload the list, tell the parent. */
  saved: () => Promise<void> | void
}

export function useRecordEditor<Form extends object, Item extends { id: string }>(
  options: RecordEditorOptions<Form, Item>,
) {
  const open = ref(false)
  const editingId = ref<string | null>(null)
  const form = reactive(options.blank())
  const problem = ref<Problem | null>(null)
  const saving = ref(false)

  function edit(item: Item | null): void {
    Object.assign(form, item ? options.formOf(item) : options.blank())
    editingId.value = item?.id ?? null
    problem.value = null
    open.value = true
  }

  async function save(): Promise<boolean> {
    saving.value = true
    const answer = editingId.value ? await options.update(editingId.value, form) : await options.create(form)
    saving.value = false
    if (!answer.ok) {
      problem.value = answer.problem
      return false
    }
    open.value = false
    await options.saved()
    return true
  }

  return { open, editingId, form, problem, saving, edit, save }
}

/** Call in setup; the function it returns confirms, deletes, and reports a refusal in `problem`. */
export function useRecordRemoval(problem: Ref<Problem | null>) {
  const confirmDelete = useConfirmDelete()
  return async (question: DeleteQuestion, call: () => Promise<Outcome<unknown>>, after: () => Promise<void> | void) => {
    if (!(await confirmDelete(question))) return false
    const answer = await call()
    // After the list is read again, whose answer would otherwise clear the refusal's words.
    await after()
    if (!answer.ok) problem.value = answer.problem
    return answer.ok
  }
}
