# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench

$(VENV)/.installed: pyproject.toml
	@echo "==> 建立虚拟环境 $(VENV)（首次约需几分钟）"
	$(PYTHON) -m venv $(VENV)
	@echo "==> 升级 pip"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> 安装标准库及其依赖（含测试工具）"
	$(BIN)/python -m pip install --quiet --progress-bar off --editable . --group dev
	touch $@
	@echo "==> 安装完成"

run: $(VENV)/.installed
	@echo "==> 创建数据库和索引（instance/）"
	$(BIN)/kb init
	@echo "==> 导入 corpus/ 中的政策文件和标准"
	$(BIN)/kb ingest corpus/
	@echo "==> 启动网页和 API：http://$(HOST):$(PORT)/ （Ctrl+C 停止）"
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	@echo "==> 代码检查（ruff）"
	$(BIN)/ruff check kb indexer webapp tests bench
	@echo "==> 运行测试（pytest，含分层约束和无头浏览器页面测试）"
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py
