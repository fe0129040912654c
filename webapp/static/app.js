// Progressive enhancement only: every page works without this file.
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const target = document.getElementById(button.dataset.copyTarget);
  const text = target ? (target.href || target.textContent).trim() : "";
  await copyText(text);
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = "已复制";
  setTimeout(() => { button.textContent = label; }, 2000);
});

// "/" focuses the search box, as in most search tools.
document.addEventListener("keydown", (event) => {
  const box = document.getElementById("q");
  if (event.key === "/" && box && document.activeElement !== box &&
      !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
    event.preventDefault();
    box.focus();
  }
});
