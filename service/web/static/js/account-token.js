// New token page: copy the token shown once to the clipboard, and say so.

const button = document.getElementById('copy-token');
const field = document.getElementById(button?.dataset.copyTarget ?? '');
const status = document.getElementById('copy-status');

async function copy() {
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    status.textContent = button.dataset.copied;
  } catch {
    // Clipboard API refused (insecure context, permission): the text stays selected.
    status.textContent = button.dataset.failed;
  }
}

if (button && field && status) {
  button.addEventListener('click', copy);
  field.addEventListener('focus', () => field.select());
}
