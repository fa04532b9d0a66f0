/** A text field of a submitted form, or '' (a file or a missing field counts as empty). */
export function textField(formData: FormData, name: string): string {
  const value = formData.get(name);
  return typeof value === 'string' ? value : '';
}
