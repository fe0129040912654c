# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

# bash with pipefail: the install's output is filtered through sed, and pip's failure must stop make.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# How many packages the install brings: the direct ones listed, and all of them once installed.
COUNT_DEPENDENCIES := import tomllib; p = tomllib.load(open("pyproject.toml", "rb")); \
	print(len(p["project"]["dependencies"]) + len(p["dependency-groups"]["dev"]))

.PHONY: run test lint bench

$(VENV)/.installed: pyproject.toml
	@echo "==> 建立虚拟环境 $(VENV)（首次约需几分钟）"
	$(PYTHON) -m venv $(VENV)
	@echo "==> 升级 pip"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> 安装标准库及其 $$($(BIN)/python -c '$(COUNT_DEPENDENCIES)') 个直接依赖（含测试工具）和它们的间接依赖，每个包一行："
	$(BIN)/python -m pip install --progress-bar off --editable . --group dev \
		| sed -un 's/^Collecting \([^ ;]*\).*/    · \1/p'
	touch $@
	@echo "==> 安装完成：虚拟环境中共 $$($(BIN)/python -m pip list --format=freeze | wc -l) 个包"

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
