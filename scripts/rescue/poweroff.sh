#!/bin/sh
# poweroff and reboot of the byol rescue system, which runs no service manager.
sync
case "$(basename "$0")" in
  reboot) echo b >/proc/sysrq-trigger ;;
  *) echo o >/proc/sysrq-trigger ;;
esac
