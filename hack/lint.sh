#!/usr/bin/env bash
# Checks formatting with the checked-in .swift-format (4 spaces, 120 columns). Changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
timeout 300 swift format lint --strict --recursive Sources Tests Package.swift
